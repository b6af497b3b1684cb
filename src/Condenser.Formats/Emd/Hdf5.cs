using Condenser.Data;
using PureHDF;
using PureHDF.Selections;

namespace Condenser.Formats.Emd;

/// <summary>HDF5 helpers over PureHDF: element types, raw hyperslab reads, attributes.</summary>
internal static class Hdf5
{
    /// <summary>
    /// Serialises every PureHDF call in the process: concurrent readers and writers were seen to corrupt a written
    /// file's chunk index (reads then never return), so HDF5 work takes this one lock.
    /// </summary>
    public static readonly Lock Global = new();

    /// <summary>The HDF5 file signature; it may sit at 0, 512, 1024, 2048 ... bytes.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The element type of a dataset, or null when it is not numeric data Condenser presents.</summary>
    public static DType? TypeOf(IH5Dataset ds)
    {
        var t = ds.Type;
        return t.Class switch
        {
            H5DataTypeClass.FixedPoint => (t.Size, t.FixedPoint.IsSigned) switch
            {
                (1, false) => DType.UInt8,
                (1, true) => DType.Int8,
                (2, false) => DType.UInt16,
                (2, true) => DType.Int16,
                (4, false) => DType.UInt32,
                (4, true) => DType.Int32,
                (8, false) => DType.UInt64,
                (8, true) => DType.Int64,
                _ => null,
            },
            H5DataTypeClass.FloatingPoint => t.Size switch { 4 => DType.Float32, 8 => DType.Float64, _ => null },
            H5DataTypeClass.Enumerated when t.Size == 1 => DType.Bool,
            H5DataTypeClass.Compound when t.Compound.Members.Length == 2
                && t.Compound.Members.All(m => m.Type.Class == H5DataTypeClass.FloatingPoint && m.Type.Size * 2 == t.Size) => t.Size switch
                {
                    8 => DType.Complex64,
                    16 => DType.Complex128,
                    _ => null,
                },
            _ => null,
        };
    }

    /// <summary>
    /// Rejects a dataset whose logical size the file cannot back: contiguous data must fit in the file; chunked data
    /// (compressed, or with unwritten chunks) may be larger, up to 1024 × the file (and at least 16 MiB).
    /// </summary>
    public static void CheckSize(string path, IH5Dataset ds, DType type)
    {
        long fileBytes = new FileInfo(path).Length;
        double bytes = type.Size();
        foreach (var d in ds.Space.Dimensions)
        {
            bytes *= d;
        }

        bool contiguous = ds.Layout.Class is H5DataLayoutClass.Contiguous or H5DataLayoutClass.Compact;
        double limit = contiguous ? fileBytes : Math.Max(16 << 20, 1024.0 * fileBytes);
        if (bytes > limit)
        {
            throw new EmFileException(path, -1, $"dataset '{ds.Name}' claims {bytes:G4} bytes, more than a {fileBytes}-byte file can hold");
        }
    }

    /// <summary>
    /// The numeric dataset <paramref name="name"/> of a group with its element type, size-checked against the file;
    /// null when the group has none.
    /// </summary>
    public static (IH5Dataset Dataset, DType Type)? NumericData(string path, IH5Group g, string name)
    {
        if (!g.LinkExists(name) || g.Get(name) is not IH5Dataset d || TypeOf(d) is not { } type)
        {
            return null;
        }

        CheckSize(path, d, type);
        return (d, type);
    }

    /// <summary>Reads a block of a dataset as raw bytes (little-endian element bytes as stored).</summary>
    public static byte[] ReadBlock(IH5Dataset ds, ulong[] start, ulong[] count)
    {
        var sel = new HyperslabSelection(start.Length, start, count);
        if (ds is PureHDF.VOL.Native.NativeDataset native)
        {
            // A cache that holds every chunk one read touches: PureHDF's default (1 MiB) re-reads chunks whose
            // layout crosses the selection's rows, which made whole-array reads of frame-chunked files crawl.
            ulong requested = count.Aggregate(1UL, (a, b) => a * b) * (ulong)ds.Type.Size;
            return native.Read<byte[]>(Access(requested), sel);
        }

        return ds.Read<byte[]>(sel);
    }

    /// <summary>Reads a block of a dataset straight into <paramref name="destination"/> (raw element bytes as stored).</summary>
    public static void ReadBlock(IH5Dataset ds, ulong[] start, ulong[] count, Span<byte> destination)
    {
        var sel = new HyperslabSelection(start.Length, start, count);
        if (ds is PureHDF.VOL.Native.NativeDataset native)
        {
            native.Read(Access((ulong)destination.Length), destination, sel);
            return;
        }

        ds.Read<byte[]>(sel).AsSpan(0, destination.Length).CopyTo(destination);
    }

    /// <summary>
    /// The hyperslab of block <paramref name="index"/> when the axes in <paramref name="varying"/> (listed slowest
    /// first, so <paramref name="index"/> runs over them in C order) take one index each and every other axis is whole.
    /// </summary>
    public static (ulong[] Start, ulong[] Count) Block(ulong[] dims, int[] varying, long index)
    {
        var start = new ulong[dims.Length];
        var count = dims.ToArray();
        for (int k = varying.Length - 1; k >= 0; k--)
        {
            int axis = varying[k];
            start[axis] = (ulong)(index % (long)dims[axis]);
            index /= (long)dims[axis];
            count[axis] = 1;
        }

        return (start, count);
    }

    /// <summary>Deepest group nesting walked.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// Every group below <paramref name="root"/> with its path, depth first in name order (as h5py lists them);
    /// <paramref name="descend"/> says whether to look inside a group.
    /// </summary>
    public static IEnumerable<(string Path, IH5Group Group)> Groups(IH5Group root, Func<IH5Group, bool> descend, string at = "", int depth = 0)
    {
        if (depth > MaxDepth)
        {
            yield break;
        }

        foreach (var sub in root.Children().OfType<IH5Group>().OrderBy(c => c.Name, StringComparer.Ordinal).ToList())
        {
            var p = at + "/" + sub.Name;
            yield return (p, sub);
            if (descend(sub))
            {
                foreach (var inner in Groups(sub, descend, p, depth + 1))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Reads the whole dataset as raw bytes.</summary>
    public static byte[] ReadAll(IH5Dataset ds)
        => ds is PureHDF.VOL.Native.NativeDataset native
            ? native.Read<byte[]>(Access(ds.Space.Dimensions.Aggregate(1UL, (a, b) => a * b) * (ulong)ds.Type.Size))
            : ds.Read<byte[]>();

    private static PureHDF.VOL.Native.H5DatasetAccess Access(ulong requestedBytes)
        => new(null!, null!, new BudgetedChunkCache((long)Math.Min(requestedBytes, 1UL << 40)));

    /// <summary>An attribute as text (string, or number formatted), or null.</summary>
    public static string? AttrString(IH5Object o, string name)
    {
        if (!o.AttributeExists(name))
        {
            return null;
        }

        var a = o.Attribute(name);
        try
        {
            return a.Type.Class switch
            {
                H5DataTypeClass.String or H5DataTypeClass.VariableLength => a.Read<string>(),
                H5DataTypeClass.FixedPoint or H5DataTypeClass.FloatingPoint => AttrDouble(o, name)?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => null,
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return a.Type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength ? TryStringArray(a) : null;
        }
    }

    /// <summary>
    /// A string attribute as a list: every element of a string array, or a scalar string split at commas, colons and
    /// spaces (the older NeXus spelling of <c>axes</c>); null where absent or not text.
    /// </summary>
    public static string[]? AttrStrings(IH5Object o, string name)
    {
        if (!o.AttributeExists(name))
        {
            return null;
        }

        var a = o.Attribute(name);
        if (a.Type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
        {
            return AttrString(o, name) is { } number ? [number] : null;
        }

        try
        {
            if (a.Space.Dimensions.Length > 0)
            {
                return a.Read<string[]>().Select(x => x.Trim()).ToArray();
            }

            return a.Read<string>().Split([',', ':', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    private static string? TryStringArray(IH5Attribute a)
    {
        try
        {
            return a.Read<string[]>().FirstOrDefault();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>A numeric attribute as a double, or null.</summary>
    public static double? AttrDouble(IH5Object o, string name)
    {
        if (!o.AttributeExists(name))
        {
            return null;
        }

        var a = o.Attribute(name);
        try
        {
            return a.Type.Class switch
            {
                H5DataTypeClass.FloatingPoint => a.Type.Size == 4 ? a.Read<float>() : a.Read<double>(),
                H5DataTypeClass.FixedPoint => (a.Type.Size, a.Type.FixedPoint.IsSigned) switch
                {
                    (1, false) => a.Read<byte>(),
                    (1, true) => a.Read<sbyte>(),
                    (2, false) => a.Read<ushort>(),
                    (2, true) => a.Read<short>(),
                    (4, false) => a.Read<uint>(),
                    (4, true) => a.Read<int>(),
                    (8, false) => a.Read<ulong>(),
                    _ => a.Read<long>(),
                },
                H5DataTypeClass.String => double.TryParse(a.Read<string>(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : null,
                _ => null,
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>Attributes of an object as a metadata tree (scalars and strings; others by type).</summary>
    public static MetadataTree Attributes(IH5Object o)
    {
        var t = new MetadataTree();
        foreach (var a in o.Attributes())
        {
            object? v = a.Type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength ? AttrString(o, a.Name) : AttrDouble(o, a.Name);
            t.Add(a.Name, v ?? $"<{a.Type.Class}>");
        }

        return t;
    }

    /// <summary>A 1-d numeric dataset read as doubles (small calibration vectors), or null.</summary>
    public static double[]? Vector(IH5Dataset ds, int max = 1 << 20)
    {
        var type = TypeOf(ds);
        var dims = ds.Space.Dimensions;
        if (type is null || type.Value.IsComplex() || dims.Length > 1 || (dims.Length == 1 && dims[0] > (ulong)max))
        {
            return null;
        }

        var raw = ReadAll(ds);
        int n = raw.Length / type.Value.Size();
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = type.Value.ReadAsDouble(raw, i);
        }

        return v;
    }

    /// <summary>
    /// Keeps every chunk of one read (each is decoded once) and stops a read whose chunks add up to far more than it
    /// asked for: a damaged chunk index otherwise makes PureHDF decode without end.
    /// </summary>
    private sealed class BudgetedChunkCache(long requestedBytes) : PureHDF.VOL.Native.IReadingChunkCache
    {
        private readonly Dictionary<ulong, Memory<byte>> _chunks = [];
        private readonly long _budget = (64L << 20) + (4 * requestedBytes);
        private long _used;

        public Memory<byte> GetChunk(ulong chunkIndex, Func<Memory<byte>> chunkReader)
        {
            if (_chunks.TryGetValue(chunkIndex, out var chunk))
            {
                return chunk;
            }

            chunk = chunkReader();
            _used += chunk.Length;
            if (_used > _budget)
            {
                throw new InvalidDataException($"the chunks of one read exceed {_budget >> 20} MiB for {requestedBytes} bytes asked");
            }

            _chunks[chunkIndex] = chunk;
            return chunk;
        }
    }
}
