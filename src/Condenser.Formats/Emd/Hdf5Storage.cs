using Condenser.Data;
using Condenser.Data.Storage;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// Storage factory for HDF5 datasets (contiguous, compact or chunked, any filter PureHDF decodes). Arrays are read
/// in slabs of the leading axis so that large files stream; Velox stores frames on the last axis, which is read
/// frame by frame and presented first.
/// </summary>
internal static class Hdf5Storage
{
    /// <summary>Largest slab read at once (64 MiB; tests set a smaller one on their thread).</summary>
    public static long SlabBytes => t_slabBytes > 0 ? t_slabBytes : 64L << 20;

    [ThreadStatic]
    private static long t_slabBytes;

    /// <summary>Storages made on this thread until disposal read slabs of at most <paramref name="bytes"/> (tests).</summary>
    internal static IDisposable UseSlabBytes(long bytes)
    {
        var previous = t_slabBytes;
        t_slabBytes = bytes;
        return new Restore(() => t_slabBytes = previous);
    }

    /// <summary>Presents a dataset in its stored C order.</summary>
    public static ArrayStorage Stored(IH5Dataset ds, ulong[] dims, DType type, Lock gate)
    {
        var path = t_path;
        int rank = dims.Length;
        if (rank == 0)
        {
            return new MemoryStorage(Locked(gate, () => Hdf5.ReadAll(ds), path));
        }

        // A slab is a block of whole rows of the leading axes whose size fits SlabBytes.
        long inner = type.Size();
        int split = rank;
        while (split > 0 && inner * (long)dims[split - 1] <= SlabBytes)
        {
            inner *= (long)dims[split - 1];
            split--;
        }

        // Axes [split, rank) are read whole; a slab is one index of the axes before split.
        if (split == 0)
        {
            return new MemoryStorage(Locked(gate, () => ReadWhole(ds, dims, inner), path));
        }

        long slabs = 1;
        for (int i = 0; i < split; i++)
        {
            slabs *= (long)dims[i];
        }

        int[] varying = [.. Enumerable.Range(0, split)];
        var chunked = Locked(gate, () => Hdf5ChunkedReader.For(ds, dims, varying), path);
        return new DecodedFrameStorage(slabs, inner, (index, dst) =>
        {
            var (start, count) = Hdf5.Block(dims, varying, index);
            ReadLocked(gate, path, ds, start, count, dst, chunked);
        });
    }

    /// <summary>A whole array of <paramref name="bytes"/> bytes (at most one slab), chunk by chunk where it is chunked.</summary>
    private static byte[] ReadWhole(IH5Dataset ds, ulong[] dims, long bytes)
    {
        if (Hdf5ChunkedReader.For(ds, dims, []) is not { } chunked)
        {
            return Hdf5.ReadAll(ds);
        }

        var all = new byte[bytes];
        chunked.Read(new ulong[dims.Length], dims, all, Hdf5ChunkedReader.COrderStrides(dims));
        return all;
    }

    /// <summary>Presents a dataset stored (…, frames) with frames last as (frames, …).</summary>
    public static ArrayStorage FramesLast(IH5Dataset ds, ulong[] dims, DType type, Lock gate)
    {
        var path = t_path;
        int rank = dims.Length;
        long frameElements = 1;
        for (int i = 0; i < rank - 1; i++)
        {
            frameElements *= (long)dims[i];
        }

        var chunked = Locked(gate, () => Hdf5ChunkedReader.For(ds, dims, [rank - 1]), path);
        return new DecodedFrameStorage((long)dims[rank - 1], frameElements * type.Size(), (f, dst) =>
        {
            var (start, count) = Hdf5.Block(dims, [rank - 1], f);
            ReadLocked(gate, path, ds, start, count, dst, chunked);
        });
    }

    /// <summary>
    /// Presents a dataset stored with its axes reversed (EMD v0.2 as HyperSpy writes it) in presentation order. Each
    /// frame (the last <paramref name="signalRank"/> presented axes) is one block of the stored array (its leading
    /// axes whole, one index of each trailing axis): read as such and transposed in memory; chunked data is assembled
    /// from its chunks straight into presentation order, in batches of rows where chunks span several frames.
    /// </summary>
    public static ArrayStorage Reversed(IH5Dataset ds, ulong[] stored, int signalRank, DType type, Lock gate)
    {
        var path = t_path;
        int rank = stored.Length;
        var presented = stored.Reverse().Select(d => (int)d).ToArray();
        var nav = presented[..(rank - signalRank)];
        var sig = presented[(rank - signalRank)..];
        var storedSignal = sig.Reverse().ToArray();
        var varying = ReversedNavigationAxes(rank, nav.Length);
        long frameElements = sig.Aggregate(1L, (a, b) => a * b);
        long frames = nav.Aggregate(1L, (a, b) => a * b);
        int size = type.Size();
        byte[]? block = null;
        var chunked = Locked(gate, () => Hdf5ChunkedReader.For(ds, stored, varying) ?? Hdf5ChunkedReader.ForContiguous(ds, stored, varying), path);
        if (chunked is not null && varying.Length > 0
            && BatchOfRows(stored, frames, frameElements * size, chunked.Chunk[rank - 1]) is { } rows)
        {
            return ReversedInBatches(ds, stored, frames, frameElements * size, rows, chunked, gate, path);
        }

        return new DecodedFrameStorage(frames, frameElements * size, (f, dst) =>
        {
            // Called under the storage's lock: one block buffer serves every frame.
            var (start, count) = Hdf5.Block(stored, varying, f);
            if (chunked is not null)
            {
                // Assembled from the chunks straight into presentation order.
                ReadLocked(gate, path, ds, start, count, dst, chunked, reversed: true);
                return;
            }

            block ??= new byte[dst.Length];
            ReadLocked(gate, path, ds, start, count, block, null);
            ReverseAxes(block, dst, storedSignal, size);
        });
    }

    /// <summary>
    /// Rows of the slowest presented navigation axis (the last stored axis) read at once when chunks span several
    /// frames: up to half <see cref="SlabBytes"/> (two batches are kept), whole chunks along that axis where they fit; null when one row alone is
    /// over two slabs (then frames are read one by one).
    /// </summary>
    private static long? BatchOfRows(ulong[] stored, long frames, long frameBytes, ulong chunkAlongRows)
    {
        long rowCount = (long)stored[^1];
        long rowBytes = frames / rowCount * frameBytes;
        if (rowBytes > 2 * SlabBytes)
        {
            return null;
        }

        long rows = Math.Clamp(SlabBytes / 2 / rowBytes, 1, rowCount);
        return rows >= (long)chunkAlongRows ? rows / (long)chunkAlongRows * (long)chunkAlongRows : rows;
    }

    /// <summary>
    /// A reversed array whose chunks span several frames, read <paramref name="rows"/> rows of the last stored axis at
    /// a time: a batch is assembled from the chunks in presentation order (each chunk visited once per batch, not once
    /// per frame) and its frames served from it.
    /// </summary>
    private static DecodedFrameStorage ReversedInBatches(IH5Dataset ds, ulong[] stored, long frames, long frameBytes, long rows, Hdf5ChunkedReader chunked, Lock gate, string? path)
    {
        int rank = stored.Length;
        long rowFrames = frames / (long)stored[^1];

        // Two batches, the most recently used kept: passes run on two workers, each in its own part of the scan.
        var batches = new (long First, byte[]? Data)[] { (-1, null), (-1, null) };
        return new DecodedFrameStorage(frames, frameBytes, (f, dst) =>
        {
            // Called under the storage's lock.
            long first = f / rowFrames / rows * rows;
            if (batches[0].First != first)
            {
                (batches[0], batches[1]) = (batches[1], batches[0]);
            }

            if (batches[0].First != first)
            {
                var start = new ulong[rank];
                var count = stored.ToArray();
                start[rank - 1] = (ulong)first;
                count[rank - 1] = (ulong)Math.Min(rows, (long)stored[^1] - first);
                var data = batches[0].Data ?? new byte[rows * rowFrames * frameBytes];
                batches[0] = (-1, data);
                ReadLocked(gate, path, ds, start, count, data.AsSpan(0, checked((int)((long)count[rank - 1] * rowFrames * frameBytes))), chunked, reversed: true);
                batches[0] = (first, data);
            }

            batches[0].Data.AsSpan(checked((int)((f - (first * rowFrames)) * frameBytes)), (int)frameBytes).CopyTo(dst);
        });
    }

    /// <summary>
    /// In an array stored with its axes reversed, the stored axes of the presented navigation axes, slowest presented
    /// first: presented axis k is stored axis rank − 1 − k.
    /// </summary>
    public static int[] ReversedNavigationAxes(int rank, int navigationRank)
        => [.. Enumerable.Range(0, navigationRank).Select(k => rank - 1 - k)];

    /// <summary>Reverses the axes of a C-order block whose shape is <paramref name="shape"/>.</summary>
    internal static void ReverseAxes(ReadOnlySpan<byte> source, Span<byte> destination, int[] shape, int size)
    {
        int rank = shape.Length;
        if (rank <= 1)
        {
            source[..destination.Length].CopyTo(destination);
            return;
        }

        var strides = new long[rank];
        long s = 1;
        for (int k = 0; k < rank; k++)
        {
            strides[k] = s;
            s *= shape[k];
        }

        var index = new int[rank];
        long n = source.Length / size;
        for (long i = 0; i < n; i++)
        {
            long o = 0;
            for (int k = 0; k < rank; k++)
            {
                o += index[k] * strides[k];
            }

            source.Slice((int)(i * size), size).CopyTo(destination.Slice((int)(o * size), size));
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < shape[k])
                {
                    break;
                }

                index[k] = 0;
            }
        }
    }

    /// <summary>The file whose datasets are being read, for error messages (set by the reader on this thread).</summary>
    [ThreadStatic]
    private static string? t_path;

    /// <summary>Names the file that the storages created on this thread read from.</summary>
    public static IDisposable ForFile(string path)
    {
        var previous = t_path;
        t_path = path;
        return new Restore(() => t_path = previous);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private static T Locked<T>(Lock gate, Func<T> f, string? path)
    {
        lock (gate)
        {
            try
            {
                return f();
            }
            catch (Exception e) when (e is not EmFileException)
            {
                throw Damaged(path, e);
            }
        }
    }

    private static void ReadLocked(Lock gate, string? path, IH5Dataset ds, ulong[] start, ulong[] count, Span<byte> destination, Hdf5ChunkedReader? chunked, bool reversed = false)
    {
        lock (gate)
        {
            try
            {
                if (chunked is not null)
                {
                    chunked.Read(start, count, destination, reversed ? Hdf5ChunkedReader.ReversedStrides(count) : Hdf5ChunkedReader.COrderStrides(count));
                    return;
                }

                Hdf5.ReadBlock(ds, start, count, destination);
            }
            catch (Exception e) when (e is not EmFileException)
            {
                throw Damaged(path, e);
            }
        }
    }

    /// <summary>PureHDF reports damaged structures with many exception types (and absurd sizes as OutOfMemory).</summary>
    private static EmFileException Damaged(string? path, Exception e)
        => new(path ?? "HDF5 file", -1, $"HDF5 data cannot be read: {LibraryFailure.Describe(e)}", e);
}
