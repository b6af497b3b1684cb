using System.Diagnostics;
using Condenser.Data;
using Condenser.Data.Identity;
using Condenser.Data.Storage;

namespace Condenser.Processing.MapReduce;

/// <summary>
/// Runs reducers over the frames of a dataset: the positions (all, a region, a list) split into partitions of whole
/// frames capped in bytes, each read once and handed to every reducer (one read, many results), on workers of the
/// process's <see cref="FrameScheduler"/>. Per-position results land in place; per-pixel and single partials are one
/// per worker and merged at the end; memory stays bounded by one partition buffer per worker.
/// </summary>
public static class FrameExecutor
{
    /// <summary>Default partition cap.</summary>
    /// <remarks>Units: bytes.</remarks>
    public const long DefaultPartitionBytes = 16L << 20;

    /// <summary>
    /// Default partition cap of the read(2) path: a chunk that stays in the core's L2 cache between the copy and the
    /// kernels (measured here: 16 MiB chunks ran at half the speed, the copy and the kernels each going to memory).
    /// </summary>
    /// <remarks>Units: bytes.</remarks>
    public const long ReadPartitionBytes = 256L << 10;

    /// <summary>Runs the reducers with <paramref name="options"/> and returns their merged buffers.</summary>
    public static Reduction Run(EmDataset dataset, IReadOnlyList<IFrameReducer> reducers, ReductionOptions? options = null)
    {
        options ??= new ReductionOptions();
        var clock = Stopwatch.StartNew();
        var layout = FrameLayout.Of(dataset);
        var positions = options.Positions ?? ScanPositions.All(dataset.FrameCount);
        if (positions.Total != dataset.FrameCount)
        {
            throw new ArgumentException($"{dataset.Name}: the positions are of a scan of {positions.Total}, the dataset has {dataset.FrameCount}");
        }

        var declarations = reducers.Select(r => r.Buffers(layout)).ToArray();
        var shared = declarations.Select(d => ResultBuffers.Allocate(layout, d, null)).ToArray();
        var scheduler = options.Scheduler ?? FrameScheduler.Shared;
        int workers = options.Workers > 0 ? options.Workers : scheduler.Threads;
        var io = options.Io == IoPath.Auto ? (dataset.Storage.Extent is not null ? IoPath.Read : IoPath.Mapped) : options.Io;
        var plan = PassPlan.Make(dataset, positions, options, io);
        var slots = new ResultBuffers[]?[Math.Max(1, workers)];
        slots[0] = shared;
        long next = -1, done = 0, bytesRead = 0;
        var cancel = options.Cancel;

        void Body(int slot)
        {
            var partials = slots[slot] ??= declarations.Select((d, i) => ResultBuffers.Allocate(layout, d, shared[i])).ToArray();
            using var buffer = AlignedBuffer.Rent(plan.BufferBytes);
            var order = new long[plan.MaxFrames];
            void Visit(ReadOnlySpan<byte> bytes, ReadOnlySpan<long> frames)
            {
                for (int i = 0; i < reducers.Count; i++)
                {
                    FrameDispatch.Process(reducers[i], layout, bytes, frames, partials[i]);
                }

                Interlocked.Add(ref bytesRead, bytes.Length);
            }

            long p;
            while ((p = Interlocked.Increment(ref next)) < plan.Partitions)
            {
                cancel.ThrowIfCancellationRequested();
                plan.Process(p, buffer, order, Visit);
                long d = Interlocked.Increment(ref done);
                if (options.Progress is not null && (d * 200 / plan.Partitions) != ((d - 1) * 200 / plan.Partitions))
                {
                    options.Progress.Report((double)d / plan.Partitions);
                }
            }
        }

        if (workers <= 1 || plan.Partitions <= 1)
        {
            Body(0);
        }
        else
        {
            scheduler.Run(Math.Min(workers, (int)Math.Min(int.MaxValue, plan.Partitions)), Body);
        }

        for (int i = 0; i < reducers.Count; i++)
        {
            for (int s = 1; s < slots.Length; s++)
            {
                if (slots[s] is { } partial)
                {
                    shared[i].MergeFrom(partial[i]);
                    reducers[i].Merge(shared[i], partial[i]);
                }
            }

            reducers[i].Complete(shared[i]);
        }

        options.Progress?.Report(1.0);
        return new Reduction(reducers, shared, clock.Elapsed.TotalSeconds, Interlocked.Read(ref bytesRead), io, plan.HashesInPass);
    }

    /// <summary>Runs the reducers in one thread (tests: the reference for the parallel run).</summary>
    public static Reduction RunInline(EmDataset dataset, IReadOnlyList<IFrameReducer> reducers, long? partitionBytes = null, ScanPositions? positions = null)
        => Run(dataset, reducers, new ReductionOptions { Workers = 1, PartitionBytes = partitionBytes, Positions = positions });

    /// <summary>Runs the reducers on <paramref name="workers"/> workers (default: all cores).</summary>
    public static Reduction RunParallel(EmDataset dataset, IReadOnlyList<IFrameReducer> reducers, int workers = 0, long? partitionBytes = null, IProgress<double>? progress = null, CancellationToken cancel = default)
        => Run(dataset, reducers, new ReductionOptions { Workers = workers, PartitionBytes = partitionBytes, Progress = progress, Cancel = cancel });

    private delegate void TileVisitor(ReadOnlySpan<byte> bytes, ReadOnlySpan<long> frames);

    /// <summary>
    /// How a pass splits its work: partitions of positions (frames read run by run), or, when it fills the input's
    /// tree hash, partitions that are the hash's leaves of the file (each read whole, with the frames that start in it).
    /// </summary>
    private sealed class PassPlan
    {
        private EmDataset _ds = null!;
        private long[]? _order;
        private int _framesPer;
        private IoPath _io;
        private FileTreeHash? _hash;
        private FileExtent? _extent;

        public long Partitions { get; private init; }

        public long BufferBytes { get; private init; }

        public int MaxFrames { get; private init; }

        public bool HashesInPass => _hash is not null;

        public static PassPlan Make(EmDataset ds, ScanPositions positions, ReductionOptions options, IoPath io)
        {
            var extent = ds.Storage.Extent;
            long frameBytes = Math.Max(1, ds.FrameBytes);
            if (options.Hash is { } hash && positions.IsAll && extent is not null && io == IoPath.Read
                && hash.FileLength == extent.File.Length && frameBytes <= FileTreeHash.LeafBytes)
            {
                int chunkFrames = ds.FramesPerPartition(options.PartitionBytes ?? ReadPartitionBytes);
                return new PassPlan
                {
                    _ds = ds, _io = io, _hash = hash, _extent = extent, _framesPer = chunkFrames,
                    Partitions = hash.LeafCount,
                    BufferBytes = Math.Max(chunkFrames * frameBytes, 1L << 20),
                    MaxFrames = chunkFrames,
                };
            }

            int framesPer = ds.FramesPerPartition(options.PartitionBytes ?? (io == IoPath.Read ? ReadPartitionBytes : DefaultPartitionBytes));
            long count = positions.Count;
            return new PassPlan
            {
                _ds = ds, _io = io, _order = positions.IsAll ? null : positions.Ascending(), _framesPer = framesPer,
                Partitions = (count + framesPer - 1) / framesPer,
                BufferBytes = framesPer * frameBytes,
                MaxFrames = framesPer,
            };
        }

        /// <summary>Reads partition <paramref name="p"/> and hands its frames to <paramref name="visit"/>.</summary>
        public void Process(long p, AlignedBuffer buffer, long[] order, TileVisitor visit)
        {
            if (_hash is not null)
            {
                ProcessLeaf(p, buffer, order, visit);
                return;
            }

            var bytes = ReadPositions(p, buffer, order, out var frames);
            visit(bytes, frames);
            Done(frames);
        }

        private ReadOnlySpan<byte> ReadPositions(long p, AlignedBuffer buffer, long[] order, out ReadOnlySpan<long> frames)
        {
            long start = p * _framesPer;
            if (_order is null)
            {
                // The whole scan: the positions of a partition are consecutive, made into the worker's own array.
                int count = (int)Math.Min(_framesPer, _ds.FrameCount - start);
                for (int i = 0; i < count; i++)
                {
                    order[i] = start + i;
                }

                frames = order.AsSpan(0, count);
            }
            else
            {
                frames = new ReadOnlySpan<long>(_order, (int)start, (int)Math.Min(_framesPer, _order.LongLength - start));
            }

            int n = frames.Length;
            long frameBytes = _ds.FrameBytes;
            bool oneRun = frames[^1] - frames[0] == n - 1;
            if (oneRun && _io == IoPath.Mapped && _ds.TryGetFrames(frames[0], n, out var span))
            {
                return span;
            }

            var dst = buffer.Span((int)(n * frameBytes));
            for (int i = 0; i < n;)
            {
                int run = 1;
                while (i + run < n && frames[i + run] == frames[i] + run)
                {
                    run++;
                }

                var part = dst.Slice((int)(i * frameBytes), (int)(run * frameBytes));
                if (_io == IoPath.Read)
                {
                    _ds.Storage.ReadSequential(frames[i] * frameBytes, part);
                }
                else
                {
                    _ds.ReadFrames(frames[i], run, part);
                }

                i += run;
            }

            return dst;
        }

        /// <summary>
        /// Leaf <paramref name="k"/> of the file, read in cache-sized chunks of whole frames: every byte of the leaf
        /// goes through its hash once, the frames that start in it go to the reducers (the last may run on into the
        /// next leaf: it is read whole here, and the part past the leaf is not hashed here).
        /// </summary>
        private void ProcessLeaf(long k, AlignedBuffer buffer, long[] order, TileVisitor visit)
        {
            var (leafStart, leafLength) = _hash!.Leaf(k);
            long leafEnd = leafStart + leafLength;
            long d0 = _extent!.Offset, frameBytes = _ds.FrameBytes;
            long first = Math.Clamp(CeilDiv(leafStart - d0, frameBytes), 0, _ds.FrameCount);
            long end = Math.Clamp(CeilDiv(leafEnd - d0, frameBytes), 0, _ds.FrameCount);
            var hasher = new System.IO.Hashing.XxHash128();
            long at = leafStart;

            // Bytes before the first frame that starts here: a header, or the tail of the previous leaf's last frame.
            long framesStart = end > first ? d0 + (first * frameBytes) : leafEnd;
            HashOnly(at, framesStart, buffer, hasher);
            at = framesStart;
            for (long f = first; f < end; f += _framesPer)
            {
                int n = (int)Math.Min(_framesPer, end - f);
                var dst = buffer.Span((int)(n * frameBytes));
                _extent.File.Read(at, dst);
                hasher.Append(dst[..(int)Math.Clamp(leafEnd - at, 0, dst.Length)]);
                for (int i = 0; i < n; i++)
                {
                    order[i] = f + i;
                }

                visit(dst, order.AsSpan(0, n));
                at += dst.Length;
            }

            // A trailer after the last frame.
            HashOnly(at, leafEnd, buffer, hasher);
            _hash.SetLeafDigest(k, hasher.GetCurrentHashAsUInt128());
        }

        private void HashOnly(long from, long to, AlignedBuffer buffer, System.IO.Hashing.XxHash128 hasher)
        {
            while (from < to)
            {
                var dst = buffer.Span((int)Math.Min(to - from, buffer.Capacity));
                _extent!.File.Read(from, dst);
                hasher.Append(dst);
                from += dst.Length;
            }
        }

        private static long CeilDiv(long a, long b) => a <= 0 ? a / b : ((a - 1) / b) + 1;

        /// <summary>After a partition: a mapped pass over a file larger than memory releases the pages it used.</summary>
        private void Done(ReadOnlySpan<long> frames)
        {
            if (_io == IoPath.Mapped && _ds.Streams && frames.Length > 0 && frames[^1] - frames[0] == frames.Length - 1)
            {
                _ds.ReleaseFrames(frames[0], frames.Length);
            }
        }
    }
}
