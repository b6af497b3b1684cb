using Condenser.Data.Storage;

namespace Condenser.Data;

/// <summary>
/// One n-d dataset of a microscope file: shape split into navigation × signal, calibrated axes, element type,
/// normalised and original metadata, and lazy access to its values (by frame, by partition of frames, or whole).
/// </summary>
/// <remarks>Axes are in C order, navigation first, then signal (HyperSpy's and py4DSTEM's convention).</remarks>
public sealed class EmDataset : IDisposable
{
    /// <summary>Creates a dataset over a storage; the dataset owns the storage.</summary>
    public EmDataset(string name, DatasetShape shape, IReadOnlyList<Axis> axes, DType dtype, ArrayStorage storage, Metadata? metadata = null, MetadataTree? original = null)
    {
        if (axes.Count != shape.Rank)
        {
            throw new ArgumentException($"{axes.Count} axes given for a shape of rank {shape.Rank}");
        }

        var dims = shape.Dimensions;
        for (int i = 0; i < dims.Length; i++)
        {
            if (axes[i].Size != dims[i])
            {
                throw new ArgumentException($"axis {i} ('{axes[i].Name}') has size {axes[i].Size} but the shape says {dims[i]}");
            }
        }

        long expected = checked(shape.ElementCount * dtype.Size());
        if (storage.ByteLength != expected)
        {
            throw new ArgumentException($"storage holds {storage.ByteLength} bytes, the shape {shape} of {dtype.Name()} needs {expected}");
        }

        Name = name;
        Shape = shape;
        Axes = axes.ToArray();
        DType = dtype;
        Storage = storage;
        Metadata = metadata ?? new Metadata();
        OriginalMetadata = original ?? new MetadataTree();
    }

    /// <summary>Creates an in-memory dataset with uncalibrated axes.</summary>
    public static EmDataset FromBytes(string name, int[] navigation, int[] signal, DType dtype, byte[] bytes)
    {
        var axes = navigation.Select((n, i) => Axis.Plain(string.Empty, n, true))
            .Concat(signal.Select(n => Axis.Plain(string.Empty, n, false))).ToArray();
        return new EmDataset(name, new DatasetShape(navigation, signal), axes, dtype, new MemoryStorage(bytes));
    }

    /// <summary>Name of the dataset within its file (title, path in an HDF5 file, ...).</summary>
    public string Name { get; }

    /// <summary>Shape, navigation then signal.</summary>
    public DatasetShape Shape { get; }

    /// <summary>Axes in the order of <see cref="Shape"/>.</summary>
    public IReadOnlyList<Axis> Axes { get; }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Normalised metadata.</summary>
    public Metadata Metadata { get; }

    /// <summary>The file's own metadata, complete.</summary>
    public MetadataTree OriginalMetadata { get; }

    /// <summary>The values.</summary>
    public ArrayStorage Storage { get; }

    /// <summary>Number of frames (scan positions).</summary>
    public long FrameCount => Shape.NavigationCount;

    /// <summary>Bytes of one frame.</summary>
    public long FrameBytes => Shape.SignalCount * DType.Size();

    /// <summary>Bytes of the whole array.</summary>
    public long ByteLength => Storage.ByteLength;

    /// <summary>Copies frame <paramref name="index"/> (C order over the navigation axes) into <paramref name="destination"/>.</summary>
    public void ReadFrame(long index, Span<byte> destination) => ReadFrames(index, 1, destination);

    /// <summary>Copies <paramref name="count"/> consecutive frames from <paramref name="first"/> into <paramref name="destination"/>.</summary>
    public void ReadFrames(long first, int count, Span<byte> destination)
    {
        if (first < 0 || count < 0 || first > FrameCount - count)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"frames [{first}, {first + count}) outside 0..{FrameCount}");
        }

        long bytes = count * FrameBytes;
        if (destination.Length < bytes)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, {bytes} needed", nameof(destination));
        }

        Storage.Read(first * FrameBytes, destination[..(int)bytes]);
    }

    /// <summary>Frames without copying, where the storage allows it (little-endian data memory-mapped or in memory).</summary>
    public bool TryGetFrames(long first, int count, out ReadOnlySpan<byte> frames)
        => Storage.TryGetSpan(first * FrameBytes, checked((int)(count * FrameBytes)), out frames);

    /// <summary>The whole array in memory (C order, little-endian). Throws for arrays over 2 GiB: stream those by frame.</summary>
    public byte[] ReadAll()
    {
        if (ByteLength > Array.MaxLength)
        {
            throw new InvalidOperationException($"{Name}: {ByteLength} bytes do not fit one array; read it by frames or partitions");
        }

        var b = new byte[ByteLength];
        Storage.Read(0, b);
        return b;
    }

    /// <summary>Frames per partition when partitions hold at most <paramref name="maxBytes"/> (at least one frame).</summary>
    public int FramesPerPartition(long maxBytes)
        => (int)Math.Min(Math.Clamp(maxBytes / Math.Max(1, FrameBytes), 1, int.MaxValue), Math.Max(1, FrameCount));

    /// <summary>
    /// Frames <c>[first, first + count)</c>: in place where the storage allows, otherwise read into
    /// <paramref name="buffer"/>, rented from the shared pool on first use (the caller returns it).
    /// </summary>
    public ReadOnlySpan<byte> Frames(long first, int count, int capacityFrames, ref byte[]? buffer)
    {
        if (TryGetFrames(first, count, out var span))
        {
            return span;
        }

        buffer ??= System.Buffers.ArrayPool<byte>.Shared.Rent(checked((int)(capacityFrames * FrameBytes)));
        var dst = buffer.AsSpan(0, (int)(count * FrameBytes));
        ReadFrames(first, count, dst);
        return dst;
    }

    /// <summary>
    /// Datasets larger than this are streamed: after a pass has used a partition, its mapped pages are released from
    /// the process, so the resident set stays near one partition per worker however large the file. Default: half of
    /// the memory available to the process.
    /// </summary>
    /// <remarks>Units: bytes.</remarks>
    public static long StreamingThresholdBytes { get; set; } = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;

    /// <summary>True when passes over this dataset release what they have read (see <see cref="StreamingThresholdBytes"/>).</summary>
    public bool Streams => ByteLength > StreamingThresholdBytes;

    /// <summary>Tells the storage that frames <c>[first, first + count)</c> are done with (mapped pages leave the process).</summary>
    public void ReleaseFrames(long first, int count) => Storage.Release(first * FrameBytes, count * FrameBytes);

    /// <summary>
    /// Splits the frames into partitions of at most <paramref name="maxBytes"/> bytes (at least one frame each) and
    /// calls <paramref name="visit"/> with each partition's first frame and bytes. Memory stays bounded by one buffer.
    /// </summary>
    public void ForEachPartition(long maxBytes, Action<long, ReadOnlySpan<byte>> visit, CancellationToken cancel = default, IProgress<double>? progress = null)
    {
        int framesPer = FramesPerPartition(maxBytes);
        byte[]? buffer = null;
        try
        {
            for (long f = 0; f < FrameCount; f += framesPer)
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Report((double)f / FrameCount);
                int n = (int)Math.Min(framesPer, FrameCount - f);
                visit(f, Frames(f, n, framesPer, ref buffer));
                if (Streams)
                {
                    ReleaseFrames(f, n);
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        progress?.Report(1.0);
    }

    /// <inheritdoc/>
    public void Dispose() => Storage.Dispose();
}
