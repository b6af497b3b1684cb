using Condenser.Data;
using Condenser.Data.Identity;
using Condenser.Data.Storage;
using Condenser.Processing.Analyses;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.Tests;

/// <summary>The map-reduce contract: declared buffers, positions, frame sources, the scheduler, the I/O paths and the in-pass hash.</summary>
public sealed class MapReduceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-mapreduce-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static EmDataset Random4D(int sy, int sx, int dy, int dx, int seed, out byte[] bytes)
    {
        bytes = new byte[sy * sx * dy * dx * 2];
        new Random(seed).NextBytes(bytes);
        return EmDataset.FromBytes("random", [sy, sx], [dy, dx], DType.UInt16, (byte[])bytes.Clone());
    }

    [Fact]
    public void ARegionAndAListLandInPlaceAndLeaveTheRestNaN()
    {
        using var ds = Random4D(9, 11, 8, 12, 3, out _);
        var ring = PixelSpans.Annulus(8, 12, 3.5, 5.5, 1, 4);
        var full = new VirtualDetectors([ring]);
        FrameExecutor.RunParallel(ds, [full], workers: 2, partitionBytes: 5 * 8 * 12 * 2);

        var mask = new bool[99];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = i % 7 == 2 || (i / 11 == 4);
        }

        long[] list = [98, 0, 57, 13, 14, 15, 40];
        foreach (var positions in new[] { ScanPositions.Region(mask), ScanPositions.List(list, 99), ScanPositions.Rectangle(9, 11, 2, 5, 3, 9) })
        {
            var sparse = new VirtualDetectors([ring]);
            var com = new CenterOfMass(3.5, 5.5);
            FrameExecutor.Run(ds, [sparse, com], new ReductionOptions { Positions = positions, Workers = 3, PartitionBytes = 3 * 8 * 12 * 2 });
            var visited = positions.Indices.ToHashSet();
            Assert.Equal(positions.Count, visited.Count);
            for (int i = 0; i < 99; i++)
            {
                if (visited.Contains(i))
                {
                    Assert.Equal(full.Images[0][i], sparse.Images[0][i]);
                    Assert.False(double.IsNaN(com.Total[i]));
                }
                else
                {
                    Assert.True(double.IsNaN(sparse.Images[0][i]));
                    Assert.True(double.IsNaN(com.ShiftY[i]));
                }
            }
        }
    }

    [Fact]
    public void PositionsOutsideTheScanOrListedTwiceAreRefused()
    {
        Assert.Contains("outside", Assert.Throws<ArgumentOutOfRangeException>(() => ScanPositions.List([3, 12], 12)).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => ScanPositions.List([3, 3], 12)).Message);
        Assert.Contains("not inside", Assert.Throws<ArgumentException>(() => ScanPositions.Rectangle(4, 4, 0, 5, 0, 2)).Message);
        using var ds = Random4D(2, 3, 4, 4, 1, out _);
        Assert.Throws<ArgumentException>(() => FrameExecutor.Run(ds, [new FrameSums()], new ReductionOptions { Positions = ScanPositions.All(5) }));
    }

    [Fact]
    public void PerPixelBuffersMergeByTheirRuleAcrossWorkers()
    {
        using var ds = Random4D(7, 5, 6, 6, 9, out var bytes);
        var stats = new PatternStatistics();
        FrameExecutor.RunParallel(ds, [stats], workers: 4, partitionBytes: 2 * 72);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes);
        for (int p = 0; p < 36; p++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int f = 0; f < 35; f++)
            {
                max = Math.Max(max, values[(f * 36) + p]);
                sum += values[(f * 36) + p];
            }

            Assert.Equal(max, stats.Max[p]);
            Assert.Equal(sum, stats.Sum[p]);
        }

        Assert.Equal(35, stats.Count);
    }

    [Fact]
    public async Task APushedStreamGivesTheSameResultsAsTheFileAndCanBeReadWhileItRuns()
    {
        using var ds = Random4D(6, 8, 10, 10, 5, out var bytes);
        var ring = PixelSpans.Annulus(10, 10, 4.5, 4.5, 0, 3);
        var fromFile = new VirtualDetectors([ring]);
        var meanFromFile = new MeanPattern();
        FrameExecutor.RunInline(ds, [fromFile, meanFromFile]);

        var source = new PushedFrames(FrameLayout.Of(ds), capacity: 4);
        var live = new VirtualDetectors([ring]);
        var mean = new MeanPattern();
        var run = LiveReduction.Start(source, [live, mean], workers: 2);
        var order = Enumerable.Range(0, 48).OrderBy(i => (i * 29) % 48).ToArray();
        var frames = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes).ToArray();
        for (int k = 0; k < order.Length; k++)
        {
            await source.PushAsync<ushort>(order[k], frames.AsMemory(order[k] * 100, 100));
            if (k == 20)
            {
                // Partial results while frames still arrive: what is in is in place, the rest not yet.
                var snapshot = run.Snapshot(live)[0];
                Assert.Contains(snapshot, double.IsNaN);
            }
        }

        Assert.Throws<ArgumentException>(() => source.Push<ushort>(order[0], frames.AsSpan(0, 100)));
        source.Complete();
        var results = await run.Completion;
        Assert.Equal(48, run.Processed);
        Assert.Equal(fromFile.Images[0], live.Images[0]);
        Assert.Equal(fromFile.Images[0], results[0][0]);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(meanFromFile.Pattern[i], mean.Pattern[i], 9);
        }
    }

    [Fact]
    public async Task TheSchedulerRunsConcurrentAndNestedRunsWithoutDeadlock()
    {
        var scheduler = new FrameScheduler(2);
        using var ds = Random4D(8, 8, 8, 8, 2, out _);
        var reference = new FrameSums();
        FrameExecutor.RunInline(ds, [reference]);
        var tasks = Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
        {
            var outer = new FrameSums();
            var nested = new NestedRun(ds, scheduler);
            FrameExecutor.Run(ds, [outer, nested], new ReductionOptions { Workers = 3, PartitionBytes = 128, Scheduler = scheduler });
            Assert.Equal(reference.Sums, outer.Sums);
            Assert.True(nested.InnerRuns > 0);
        })).ToArray();
        var all = Task.WhenAll(tasks);
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60))));
        await all;
    }

    /// <summary>A reducer that starts a run of its own from inside a worker (as an analysis inside an analysis would).</summary>
    private sealed class NestedRun(EmDataset ds, FrameScheduler scheduler) : IFrameReducer
    {
        private int _inner;

        public int InnerRuns => _inner;

        public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) => [];

        public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
            where T : unmanaged
        {
            FrameExecutor.Run(ds, [new FrameSums()], new ReductionOptions { Workers = 2, PartitionBytes = 256, Scheduler = scheduler });
            Interlocked.Increment(ref _inner);
        }
    }

    [Fact]
    public void AFailingReducerFailsTheRunWithItsException()
    {
        using var ds = Random4D(4, 4, 4, 4, 2, out _);
        var e = Assert.Throws<InvalidOperationException>(() => FrameExecutor.RunParallel(ds, [new Failing()], workers: 2, partitionBytes: 32));
        Assert.Equal("frame refused", e.Message);
    }

    private sealed class Failing : IFrameReducer
    {
        public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) => [];

        public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
            where T : unmanaged
            => throw new InvalidOperationException("frame refused");
    }

    [Fact]
    public void FramesReachReducersAsSpansOfTheirElementType()
    {
        foreach (var (dtype, expected) in new[] { (DType.UInt8, typeof(byte)), (DType.Int16, typeof(short)), (DType.Float32, typeof(float)), (DType.Float64, typeof(double)), (DType.UInt32, typeof(uint)), (DType.Complex64, typeof(ComplexSingle)) })
        {
            using var ds = EmDataset.FromBytes("t", [3], [4], dtype, new byte[3 * 4 * dtype.Size()]);
            var probe = new TypeProbe();
            FrameExecutor.RunInline(ds, [probe]);
            Assert.Equal(expected, probe.Seen);
        }
    }

    private sealed class TypeProbe : IFrameReducer
    {
        public Type? Seen { get; private set; }

        public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) => [];

        public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
            where T : unmanaged
        {
            Seen = typeof(T);
            Assert.Equal(tile.Count * tile.FrameLength, tile.Values.Length);
        }
    }

    /// <summary>A raw file of several tree-hash leaves with a header that does not align frames to leaves.</summary>
    private (string Path, EmDataset File) RawScan(int sy, int sx, int d, int header, int trailer)
    {
        var path = Path.Combine(_dir, $"scan_{sy}x{sx}_{header}.raw");
        var bytes = new byte[header + ((long)sy * sx * d * d * 2) + trailer];
        new Random(11).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        using var mapped = new MappedFile(path);
        var storage = new FileRegionStorage(mapped, header, (long)sy * sx * d * d * 2);
        var axes = new[] { Axis.Plain("y", sy, true), Axis.Plain("x", sx, true), Axis.Plain("ky", d, false), Axis.Plain("kx", d, false) };
        return (path, new EmDataset("scan", new DatasetShape([sy, sx], [d, d]), axes, DType.UInt16, storage));
    }

    [Fact]
    public void TheReadPathAndTheMappingGiveTheSameResultsAndTheInPassHashEqualsAHashOfTheFile()
    {
        // 45 MiB of frames after a 1000-byte header and before a 5000-byte trailer: three leaves, frames straddling them.
        var (path, file) = RawScan(48, 60, 90, 1000, 5000);
        using (file)
        {
            var ds = file;
            var mapped = new CenterOfMass(44.5, 44.5);
            var mappedSums = new FrameSums();
            var m = FrameExecutor.Run(ds, [mapped, mappedSums], new ReductionOptions { Io = IoPath.Mapped, Workers = 2 });
            Assert.Equal(IoPath.Mapped, m.Io);

            var hash = new FileTreeHash(new FileInfo(path).Length);
            Assert.True(hash.LeafCount >= 3);
            var read = new CenterOfMass(44.5, 44.5);
            var readSums = new FrameSums();
            var r = FrameExecutor.Run(ds, [read, readSums], new ReductionOptions { Io = IoPath.Read, Workers = 2, Hash = hash });
            Assert.Equal(IoPath.Read, r.Io);
            Assert.True(r.HashedInPass);
            Assert.True(hash.IsComplete);
            Assert.Equal(ds.ByteLength, r.BytesRead);
            Assert.Equal(mappedSums.Sums, readSums.Sums);
            Assert.Equal(mapped.ShiftY, read.ShiftY);
            Assert.Equal(FileTreeHash.Of(path), hash.Root());

            // Without a hash the read path partitions by positions, and a list of positions is read run by run.
            var listed = new FrameSums();
            FrameExecutor.Run(ds, [listed], new ReductionOptions { Io = IoPath.Read, Positions = ScanPositions.List([5, 6, 7, 100, 2000, 2001], ds.FrameCount) });
            Assert.Equal(mappedSums.Sums[2000], listed.Sums[2000]);
            Assert.Equal(mappedSums.Sums[6], listed.Sums[6]);
        }
    }

    [Fact]
    public void TheTreeHashChangesWithAnyByteAndWithTheLength()
    {
        var path = Path.Combine(_dir, "h.bin");
        var bytes = new byte[(FileTreeHash.LeafBytes * 2) + 17];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var h0 = FileTreeHash.Of(path);
        bytes[FileTreeHash.LeafBytes + 3] ^= 1;
        File.WriteAllBytes(path, bytes);
        var h1 = FileTreeHash.Of(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 1).ToArray());
        var h2 = FileTreeHash.Of(path);
        File.WriteAllBytes(path, []);
        var h3 = FileTreeHash.Of(path);
        Assert.Equal(4, new[] { h0, h1, h2, h3 }.Distinct().Count());
        Assert.All(new[] { h0, h1, h2, h3 }, h => Assert.Matches("^[0-9a-f]{32}$", h));
    }

    [Fact]
    public void AnAnalysisIdentifiesItsInputInThePassAndFromTheCacheNextTime()
    {
        var (path, file) = RawScan(20, 24, 64, 512, 0);
        var cache = new FileHashCache(Path.Combine(_dir, "cache"));
        using (file)
        {
            var ds = file;
            var first = new AnalysisRun(ds, path, new AnalysisRunOptions { HashCache = cache });
            Assert.False(first.IdentityCached);
            var a = VirtualImage.Run(first, new VirtualImageParameters(5, 20, Center: (31.5, 31.5)));
            var second = new AnalysisRun(ds, path, new AnalysisRunOptions { HashCache = cache });
            Assert.True(second.IdentityCached);
            var b = VirtualImage.Run(second, new VirtualImageParameters(5, 20, Center: (31.5, 31.5)));
            var tree = FileTreeHash.Of(path);
            Assert.Equal(tree, a.Provenance.Inputs[0].TreeHash);
            Assert.Equal(tree, b.Provenance.Inputs[0].TreeHash);
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
            Assert.Equal(sha, a.Provenance.Inputs[0].Sha256);
            Assert.Equal(sha, b.Provenance.Inputs[0].Sha256);
            Assert.Equal(a.Values(VirtualImage.Title), b.Values(VirtualImage.Title));

            // The provenance is in every result dataset, the same tree as the JSON's.
            var group = (MetadataTree)a.Datasets[0].OriginalMetadata["provenance"]!;
            Assert.Equal("virtual-image", group["analysis"]);
            Assert.Equal(tree, group["input_tree_hash"]);
            Assert.Equal(Path.GetFullPath(path), group["input_file"]);
        }

        // A changed file is a new version: the cache does not answer for it.
        File.AppendAllText(path, "x");
        Assert.Null(cache.Lookup(FileStamp.Of(path)).Tree);
    }

    [Fact]
    public void TheRotationSearchEqualsRotatingTheFieldAtEveryAngle()
    {
        // A smooth potential's gradient in the detector frame, rotated by 37° and flipped: the linear search must find
        // the same angle as scoring the rotated field's curl at every angle (the method it replaces), NaNs included.
        const int ny = 24, nx = 30;
        var rng = new Random(4);
        foreach (var (truth, flip) in new[] { (37.0, true), (212.5, false), (301.0, true) })
        {
            var gy = new double[ny * nx];
            var gx = new double[ny * nx];
            for (int y = 0; y < ny; y++)
            {
                for (int x = 0; x < nx; x++)
                {
                    gy[(y * nx) + x] = -Math.Cos(y * 0.4) * Math.Sin(x * 0.3) * 0.4;
                    gx[(y * nx) + x] = -Math.Sin(y * 0.4) * Math.Cos(x * 0.3) * 0.3;
                }
            }

            var (dy, dx) = Dpc.Rotate(gy, gx, -truth, false);
            if (flip)
            {
                dx = dx.Select(v => -v).ToArray();
            }

            dy[rng.Next(dy.Length)] = double.NaN;
            var (angle, foundFlip) = Dpc.FindRotation(dy, dx, ny, nx);
            var (refAngle, refFlip) = BruteForce(dy, dx, ny, nx);
            Assert.Equal(refFlip, foundFlip);
            Assert.Equal(refAngle, angle);
            Assert.Equal(flip, foundFlip);
        }
    }

    private static (double, bool) BruteForce(double[] fy, double[] fx, int ny, int nx)
    {
        double best = double.MaxValue, bestAngle = 0;
        bool bestFlip = false;
        foreach (bool flip in new[] { false, true })
        {
            for (int k = 0; k < 360; k++)
            {
                var (ry, rx) = Dpc.Rotate(fy, fx, k * 0.5, flip);
                double rms = Dpc.Curl(ry, rx, ny, nx).Sum(c => c * c);
                if (rms < best - 1e-12)
                {
                    (best, bestAngle, bestFlip) = (rms, k * 0.5, flip);
                }
            }
        }

        var (ay, ax) = Dpc.Rotate(fy, fx, bestAngle, bestFlip);
        var div = Dpc.Divergence(ay.Select(v => double.IsFinite(v) ? v : 0).ToArray(), ax.Select(v => double.IsFinite(v) ? v : 0).ToArray(), ny, nx);
        double mean = div.Average();
        return (div.Sum(d => Math.Pow(d - mean, 3)) > 0 ? bestAngle + 180 : bestAngle, bestFlip);
    }
}
