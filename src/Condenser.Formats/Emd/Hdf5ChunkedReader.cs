using System.Runtime.InteropServices;
using PureHDF;
using PureHDF.Selections;

namespace Condenser.Formats.Emd;

/// <summary>
/// Reads blocks of one chunked dataset chunk by chunk: PureHDF decodes each chunk (its filters: deflate, shuffle …)
/// and hands it over whole; the chunks are kept across reads, least recently used first out, and the block is
/// assembled from them here. PureHDF's own hyperslab copy goes element by element wherever the selection's last axis
/// is short (one frame of an array stored with its axes reversed, or chunked across frames), which made such reads
/// crawl at tens of MB/s; a chunk shared by several frames was also decoded once per frame.
/// </summary>
/// <remarks>
/// The cache holds twice the working set of the access pattern (<see cref="WorkingSetBytes"/>: frames read in order
/// need, at one time, the chunks of one chunk-row of the slowest varying axis; a pass runs on two workers) and what is
/// read ahead, up to <see cref="MaximumBytes"/>. Each
/// PureHDF call may decode only the chunks it selects: a damaged chunk index otherwise makes PureHDF decode without
/// end. Chunks PureHDF does not hand over (never written: the fill value) are read through its hyperslab path.
/// </remarks>
internal sealed class Hdf5ChunkedReader : PureHDF.VOL.Native.IReadingChunkCache
{
    /// <summary>
    /// Most decoded bytes one dataset keeps (default 1 GiB; <c>CONDENSER_HDF5_CACHE_MB</c> sets it in MiB). Beyond
    /// it, chunks that several frames share are decoded again.
    /// </summary>
    public static long MaximumBytes { get; } =
        long.TryParse(Environment.GetEnvironmentVariable("CONDENSER_HDF5_CACHE_MB"), out var mb) && mb > 0 ? mb << 20 : 1L << 30;

    private readonly PureHDF.VOL.Native.NativeDataset _ds;
    private readonly ulong[] _dims;
    private readonly ulong[] _chunk;
    private readonly ulong[] _grid;
    private readonly int _size;
    private readonly long _chunkBytes;
    private readonly Dictionary<ulong, LinkedListNode<(ulong Index, Memory<byte> Chunk)>> _chunks = [];
    private readonly LinkedList<(ulong Index, Memory<byte> Chunk)> _order = new();
    private readonly bool _contiguous;
    private long _held;
    private long _callBudget;
    private long _callDecoded;
    private int _aheadAxis = -1;
    private ulong _chunksAhead;

    private Hdf5ChunkedReader(PureHDF.VOL.Native.NativeDataset ds, ulong[] dims, ulong[] chunk, long capacityBytes, bool contiguous = false)
    {
        _contiguous = contiguous;
        _ds = ds;
        _dims = dims;
        _chunk = chunk;
        _grid = [.. dims.Select((d, a) => (d + chunk[a] - 1) / chunk[a])];
        _size = (int)ds.Type.Size;
        _chunkBytes = chunk.Aggregate((long)_size, (p, c) => p * (long)c);
        CapacityBytes = Math.Max(capacityBytes, _chunkBytes);
    }

    /// <summary>The chunk shape (elements per stored axis).</summary>
    public IReadOnlyList<ulong> Chunk => _chunk;

    /// <summary>Decoded bytes kept at most.</summary>
    public long CapacityBytes { get; }

    /// <summary>Chunks decoded on this thread by every reader (a chunk decoded again after eviction counts again).</summary>
    [ThreadStatic]
    internal static long DecodesOnThisThread;

    /// <summary>
    /// A reader for <paramref name="ds"/> read block by block with the axes in <paramref name="varying"/> (slowest
    /// first) taking one index per block, or null when the dataset is not chunked.
    /// </summary>
    public static Hdf5ChunkedReader? For(IH5Dataset ds, ulong[] dims, int[] varying)
    {
        if (ds is not PureHDF.VOL.Native.NativeDataset native || ds.Layout.Class != H5DataLayoutClass.Chunked
            || ChunkShape(ds, dims.Length) is not { } chunk || dims.Any(d => d == 0))
        {
            return null;
        }

        // Read-ahead along the fastest varying axis: each PureHDF call costs about as much as the chunk index is large
        // (a few ms for h5py's B-tree of thousands of chunks), so a stack chunked frame by frame went at ~15 MB/s one
        // chunk per call. Two passes may read at once (one per worker), hence twice the working set.
        int ahead = varying.Length > 0 ? varying[^1] : -1;
        var grid = dims.Select((d, a) => (d + chunk[a] - 1) / chunk[a]).ToArray();
        double chunkBytes = chunk.Aggregate((double)ds.Type.Size, (p, c) => p * c);
        long step = (long)Math.Min(Enumerable.Range(0, dims.Length).Where(a => !varying.Contains(a)).Aggregate(chunkBytes, (p, a) => p * grid[a]), long.MaxValue / 4);

        // Only where one read touches little (a block of at most 1 MiB of chunks): with larger ones the calls are few
        // already, and holding more chunks cost more than it saved (0.55 → 0.82 s for 128 MB chunked per pattern).
        ulong chunksAhead = ahead < 0 || step > 1L << 20 ? 0 : (ulong)Math.Clamp(ReadAheadBytes / step, 0, (long)grid[ahead] - 1);
        long capacity = 2 * (WorkingSetBytes(dims, chunk, varying, ds.Type.Size) + ((long)chunksAhead * step));
        return new Hdf5ChunkedReader(native, dims, chunk, Math.Min(capacity, MaximumBytes)) { _aheadAxis = ahead, _chunksAhead = chunksAhead };
    }

    /// <summary>Decoded bytes fetched ahead of a read, along the fastest axis of the access pattern.</summary>
    public const long ReadAheadBytes = 16L << 20;

    /// <summary>
    /// A reader that treats a contiguous dataset as chunked in blocks of whole rows (about 4 MiB: the trailing axes
    /// whole, several indices of one axis, one of those before it), for access patterns that cut across the stored order
    /// (frames of an array stored with its axes reversed): each block is read once, at the file's order, instead of
    /// element by element. Null when the dataset is not contiguous.
    /// </summary>
    public static Hdf5ChunkedReader? ForContiguous(IH5Dataset ds, ulong[] dims, int[] varying)
    {
        if (ds is not PureHDF.VOL.Native.NativeDataset native || ds.Layout.Class != H5DataLayoutClass.Contiguous || dims.Length == 0 || dims.Any(d => d == 0))
        {
            return null;
        }

        const long blockBytes = 4L << 20;
        var chunk = new ulong[dims.Length];
        long bytes = ds.Type.Size;
        int a = dims.Length - 1;
        for (; a >= 0 && bytes * (long)dims[a] <= blockBytes; a--)
        {
            chunk[a] = dims[a];
            bytes *= (long)dims[a];
        }

        if (a >= 0)
        {
            chunk[a] = (ulong)Math.Clamp(blockBytes / bytes, 1, (long)dims[a]);
            for (int b = a - 1; b >= 0; b--)
            {
                chunk[b] = 1;
            }
        }

        return new Hdf5ChunkedReader(native, dims, chunk, Math.Min(2 * WorkingSetBytes(dims, chunk, varying, ds.Type.Size), MaximumBytes), contiguous: true);
    }

    /// <summary>
    /// Bytes of decoded chunks that reading every block in order needs at once so that no chunk is decoded twice: all
    /// the chunks of one chunk-row of the slowest varying axis (each block whole along the other axes).
    /// </summary>
    public static long WorkingSetBytes(ulong[] dims, ulong[] chunk, int[] varying, long elementBytes)
    {
        double bytes = elementBytes;
        for (int a = 0; a < dims.Length; a++)
        {
            bytes *= chunk[a];
            if (varying.Length == 0 || a != varying[0])
            {
                bytes *= Math.Ceiling((double)dims[a] / chunk[a]);
            }
        }

        return (long)Math.Min(bytes, long.MaxValue / 2);
    }

    /// <summary>The chunk shape of a chunked dataset (without the element-size dimension some layouts add), or null.</summary>
    public static ulong[]? ChunkShape(IH5Dataset ds, int rank)
    {
        var c = ds.Layout.Chunks;
        if (c is null || c.Length < rank)
        {
            return null;
        }

        var shape = new ulong[rank];
        for (int a = 0; a < rank; a++)
        {
            shape[a] = Math.Max(1UL, (ulong)c[a]);
        }

        return shape;
    }

    /// <summary>Strides (in elements) of a C-order block of shape <paramref name="count"/>, per stored axis.</summary>
    public static long[] COrderStrides(ulong[] count)
    {
        var s = new long[count.Length];
        long p = 1;
        for (int a = count.Length - 1; a >= 0; a--)
        {
            s[a] = p;
            p *= (long)count[a];
        }

        return s;
    }

    /// <summary>Strides of a block of shape <paramref name="count"/> laid out with its axes reversed (stored axis 0 fastest).</summary>
    public static long[] ReversedStrides(ulong[] count)
    {
        var s = new long[count.Length];
        long p = 1;
        for (int a = 0; a < count.Length; a++)
        {
            s[a] = p;
            p *= (long)count[a];
        }

        return s;
    }

    /// <summary>
    /// Reads the block (<paramref name="start"/>, <paramref name="count"/>) into <paramref name="destination"/>, where
    /// stored element (start + i) goes to element Σ iₐ·<paramref name="strides"/>ₐ.
    /// </summary>
    public void Read(ulong[] start, ulong[] count, Span<byte> destination, long[] strides)
    {
        int rank = _dims.Length;
        var g0 = new ulong[rank];
        var g1 = new ulong[rank];
        for (int a = 0; a < rank; a++)
        {
            if (count[a] == 0)
            {
                return;
            }

            g0[a] = start[a] / _chunk[a];
            g1[a] = (start[a] + count[a] - 1) / _chunk[a];
        }

        if (_chunksAhead > 0 && !Held(g0, g0))
        {
            var far = (ulong[])g1.Clone();
            far[_aheadAxis] = Math.Min(_grid[_aheadAxis] - 1, far[_aheadAxis] + _chunksAhead);
            if (Chunks(g0, far) * _chunkBytes <= CapacityBytes / 2)
            {
                Fetch(g0, far);
            }
        }

        // Chunks are fetched a group at a time, one PureHDF call selecting one element at each chunk's origin; a
        // group is the chunk grid of the trailing axes that the cache holds at once, the leading axes one by one.
        int split = rank;
        long group = 1;
        while (split > 0 && group * (long)(g1[split - 1] - g0[split - 1] + 1) * _chunkBytes <= CapacityBytes)
        {
            group *= (long)(g1[split - 1] - g0[split - 1] + 1);
            split--;
        }

        var lo = (ulong[])g0.Clone();
        var hi = (ulong[])g1.Clone();
        for (int a = 0; a < split; a++)
        {
            hi[a] = lo[a];
        }

        while (true)
        {
            if (!Held(lo, hi))
            {
                Fetch(lo, hi);
            }

            CopyGroup(lo, hi, start, count, destination, strides);
            int k = split - 1;
            while (k >= 0 && ++lo[k] > g1[k])
            {
                lo[k] = g0[k];
                k--;
            }

            if (k < 0)
            {
                return;
            }

            for (int a = 0; a < split; a++)
            {
                hi[a] = lo[a];
            }
        }
    }

    /// <summary>Chunks in g0 … g1 (inclusive, per axis).</summary>
    private static long Chunks(ulong[] g0, ulong[] g1)
    {
        long n = 1;
        for (int a = 0; a < g0.Length; a++)
        {
            n *= (long)(g1[a] - g0[a] + 1);
        }

        return n;
    }

    /// <summary>True when every chunk in g0 … g1 is held.</summary>
    private bool Held(ulong[] g0, ulong[] g1) => Grid(g0, g1).All(c => _chunks.ContainsKey(c.Index));

    /// <summary>
    /// The chunks g0 … g1 (inclusive, per axis) in C order: each one's linear index (PureHDF's) and grid coordinates
    /// (one array, updated in place: read it before the next step).
    /// </summary>
    private IEnumerable<(ulong Index, ulong[] At)> Grid(ulong[] g0, ulong[] g1)
    {
        int rank = _dims.Length;
        var at = (ulong[])g0.Clone();
        while (true)
        {
            ulong index = 0;
            for (int a = 0; a < rank; a++)
            {
                index = (index * _grid[a]) + at[a];
            }

            yield return (index, at);
            int k = rank - 1;
            while (k >= 0 && ++at[k] > g1[k])
            {
                at[k] = g0[k];
                k--;
            }

            if (k < 0)
            {
                yield break;
            }
        }
    }

    /// <summary>Copies the chunks g0 … g1 (inclusive, per axis), fetched just before, into the block.</summary>
    private void CopyGroup(ulong[] g0, ulong[] g1, ulong[] start, ulong[] count, Span<byte> destination, long[] strides)
    {
        var origin = new ulong[_dims.Length];
        foreach (var (index, at) in Grid(g0, g1))
        {
            for (int a = 0; a < origin.Length; a++)
            {
                origin[a] = at[a] * _chunk[a];
            }

            if (!_chunks.TryGetValue(index, out var node))
            {
                // Evicted (a cache smaller than one group) or never handed over: ask for this chunk alone.
                Fetch(at, at);
            }

            if (_chunks.TryGetValue(index, out node))
            {
                Touch(node);
                Copy(node.Value.Chunk.Span, _chunk, origin, start, count, destination, strides);
            }
            else
            {
                // Never written: the hyperslab path gives the fill value.
                var clipped = origin.Select((o, a) => Math.Min(_chunk[a], _dims[a] - o)).ToArray();
                var region = Hdf5.ReadBlock(_ds, origin, clipped);
                Copy(region, clipped, origin, start, count, destination, strides);
            }
        }
    }

    /// <inheritdoc/>
    public Memory<byte> GetChunk(ulong chunkIndex, Func<Memory<byte>> chunkReader)
    {
        if (_chunks.TryGetValue(chunkIndex, out var node))
        {
            Touch(node);
            return node.Value.Chunk;
        }

        var chunk = chunkReader();
        DecodesOnThisThread++;
        _callDecoded += chunk.Length;
        if (_callDecoded > _callBudget)
        {
            throw new InvalidDataException($"the chunks of one read exceed the {_callBudget} bytes of the chunks it selects");
        }

        if (chunk.Length == _chunkBytes)
        {
            Keep(chunkIndex, chunk);
        }

        return chunk;
    }

    /// <summary>Holds a decoded chunk, evicting the least recently used beyond the capacity.</summary>
    private void Keep(ulong chunkIndex, Memory<byte> chunk)
    {
        while (_held + chunk.Length > CapacityBytes && _order.Last is { } oldest)
        {
            _order.RemoveLast();
            _chunks.Remove(oldest.Value.Index);
            _held -= oldest.Value.Chunk.Length;
        }

        _chunks[chunkIndex] = _order.AddFirst((chunkIndex, chunk));
        _held += chunk.Length;
    }

    private void Touch(LinkedListNode<(ulong Index, Memory<byte> Chunk)> node)
    {
        if (node != _order.First)
        {
            _order.Remove(node);
            _order.AddFirst(node);
        }
    }

    /// <summary>Has PureHDF decode the chunks g0 … g1 (inclusive, per axis) by selecting one element at each one's origin.</summary>
    private void Fetch(ulong[] g0, ulong[] g1)
    {
        int rank = _dims.Length;
        var starts = new ulong[rank];
        var counts = new ulong[rank];
        var ones = new ulong[rank];
        ulong n = 1;
        for (int a = 0; a < rank; a++)
        {
            starts[a] = g0[a] * _chunk[a];
            counts[a] = g1[a] - g0[a] + 1;
            ones[a] = 1;
            n *= counts[a];
        }

        if (_contiguous)
        {
            ReadBlocks(g0, g1);
            return;
        }

        _callDecoded = 0;
        _callBudget = checked((long)n * _chunkBytes);
        var selection = new HyperslabSelection(rank, starts, _chunk, counts, ones);
        var sink = new byte[checked((long)n * _size)];
        _ds.Read(new PureHDF.VOL.Native.H5DatasetAccess(null!, null!, this), sink.AsSpan(), selection);
    }

    /// <summary>
    /// Reads the blocks g0 … g1 of a contiguous dataset that are not held. Only the axis cut into several indices can
    /// end short, so a clipped block is a prefix of a whole one's layout.
    /// </summary>
    private void ReadBlocks(ulong[] g0, ulong[] g1)
    {
        int rank = _dims.Length;
        var origin = new ulong[rank];
        var clipped = new ulong[rank];
        foreach (var (index, at) in Grid(g0, g1))
        {
            if (_chunks.ContainsKey(index))
            {
                continue;
            }

            for (int a = 0; a < rank; a++)
            {
                origin[a] = at[a] * _chunk[a];
                clipped[a] = Math.Min(_chunk[a], _dims[a] - origin[a]);
            }

            var block = new byte[_chunkBytes];
            long n = clipped.Aggregate((long)_size, (p, c) => p * (long)c);
            Hdf5.ReadBlock(_ds, origin, clipped, block.AsSpan(0, (int)n));
            DecodesOnThisThread++;
            Keep(index, block);
        }
    }

    /// <summary>Copies the part of a chunk (at <paramref name="origin"/>, shape <paramref name="shape"/>) inside the block.</summary>
    private void Copy(ReadOnlySpan<byte> chunk, ulong[] shape, ulong[] origin, ulong[] start, ulong[] count, Span<byte> destination, long[] strides)
    {
        int rank = shape.Length;

        // The intersection, its source (chunk, C order) and destination offsets; axes one element long fold into them.
        long srcBase = 0, dstBase = 0;
        var srcStride = COrderStrides(shape);
        var axes = new List<(long Length, long Src, long Dst)>(rank);
        for (int a = 0; a < rank; a++)
        {
            ulong lo = Math.Max(start[a], origin[a]);
            ulong hi = Math.Min(start[a] + count[a], origin[a] + shape[a]);
            srcBase += (long)(lo - origin[a]) * srcStride[a];
            dstBase += (long)(lo - start[a]) * strides[a];
            if (hi - lo > 1)
            {
                axes.Add(((long)(hi - lo), srcStride[a], strides[a]));
            }
        }

        // Writes run along the destination (the chunk, once decoded, sits in the cache; the block does not).
        axes.Sort((x, y) => y.Dst.CompareTo(x.Dst));
        switch (_size)
        {
            case 1: CopyStrided(chunk, destination, srcBase, dstBase, axes); break;
            case 2: CopyStrided(MemoryMarshal.Cast<byte, ushort>(chunk), MemoryMarshal.Cast<byte, ushort>(destination), srcBase, dstBase, axes); break;
            case 4: CopyStrided(MemoryMarshal.Cast<byte, uint>(chunk), MemoryMarshal.Cast<byte, uint>(destination), srcBase, dstBase, axes); break;
            case 8: CopyStrided(MemoryMarshal.Cast<byte, ulong>(chunk), MemoryMarshal.Cast<byte, ulong>(destination), srcBase, dstBase, axes); break;
            case 16: CopyStrided(MemoryMarshal.Cast<byte, Int128>(chunk), MemoryMarshal.Cast<byte, Int128>(destination), srcBase, dstBase, axes); break;
            default:
                var bytes = axes.Select(x => (x.Length, x.Src * _size, x.Dst * _size)).ToList();
                bytes.Add((_size, 1, 1));
                CopyStrided(chunk, destination, srcBase * _size, dstBase * _size, bytes);
                break;
        }
    }

    /// <summary>Copies elements over the given axes (length, source stride, destination stride; the last runs innermost).</summary>
    internal static void CopyStrided<T>(ReadOnlySpan<T> source, Span<T> destination, long srcBase, long dstBase, List<(long Length, long Src, long Dst)> axes)
        where T : unmanaged
    {
        if (axes.Count == 0)
        {
            destination[(int)dstBase] = source[(int)srcBase];
            return;
        }

        var (n, si, di) = axes[^1];
        int outer = axes.Count - 1;
        var index = new long[outer];
        long s = srcBase, d = dstBase;
        while (true)
        {
            if (si == 1 && di == 1)
            {
                source.Slice((int)s, (int)n).CopyTo(destination.Slice((int)d, (int)n));
            }
            else
            {
                var src = source[(int)s..];
                var dst = destination[(int)d..];
                for (long i = 0, ps = 0, pd = 0; i < n; i++, ps += si, pd += di)
                {
                    dst[(int)pd] = src[(int)ps];
                }
            }

            int k = outer - 1;
            for (; k >= 0; k--)
            {
                s += axes[k].Src;
                d += axes[k].Dst;
                if (++index[k] < axes[k].Length)
                {
                    break;
                }

                s -= axes[k].Src * axes[k].Length;
                d -= axes[k].Dst * axes[k].Length;
                index[k] = 0;
            }

            if (k < 0)
            {
                return;
            }
        }
    }
}
