using BenchmarkDotNet.Attributes;
using Condenser.Data;
using Condenser.Bench;
using Condenser.Formats;

namespace Condenser.Benchmarks.Formats;

/// <summary>
/// Reading an uncompressed 4D-STEM file from the page cache into frames, against the plain read of the same file into
/// a buffer. The file is named by CONDENSER_BENCH_FILE (raw uint16 with CONDENSER_BENCH_SHAPE, or any readable
/// file); without it a 2 GiB raw uint16 file (256×256 scan of 128×128 frames) is made in the temp folder.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ReadThroughputBenchmarks
{
    private EmFile? _file;
    private string _path = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _path = Environment.GetEnvironmentVariable("CONDENSER_BENCH_FILE") ?? SyntheticFile.Ensure(Path.Combine(Path.GetTempPath(), "condenser-bench-2GiB.raw"), [256, 256, 128, 128]);
        var shape = Environment.GetEnvironmentVariable("CONDENSER_BENCH_SHAPE");
        _file = shape is null && !_path.EndsWith(".raw", StringComparison.Ordinal)
            ? FormatRegistry.Open(_path)
            : FormatRegistry.Open(_path, new OpenOptions { Shape = (shape ?? "256,256,128,128").Split(',').Select(int.Parse).ToArray(), DType = DType.UInt16 }, "raw");
    }

    [GlobalCleanup]
    public void Cleanup() => _file?.Dispose();

    [Benchmark(Baseline = true, Description = "file read into a 4 MiB buffer")]
    public double FileIntoBuffer() => ReadBenchmarks.FileIntoBuffer(_path);

    [Benchmark(Description = "frames copied one by one")]
    public double FramesIntoBuffer() => ReadBenchmarks.FramesIntoBuffer(_file!.Datasets[0]);

    [Benchmark(Description = "frames visited in place (mapped)")]
    public double FramesTouched() => ReadBenchmarks.FramesTouched(_file!.Datasets[0]);
}

/// <summary>Makes a synthetic uint16 4D-STEM raw file once.</summary>
internal static class SyntheticFile
{
    public static string Ensure(string path, int[] shape)
    {
        long bytes = shape.Aggregate(2L, (a, b) => a * b);
        if (File.Exists(path) && new FileInfo(path).Length == bytes)
        {
            return path;
        }

        var rng = new Random(1);
        var block = new byte[4 << 20];
        rng.NextBytes(block);
        using var s = File.Create(path);
        for (long w = 0; w < bytes; w += block.Length)
        {
            s.Write(block, 0, (int)Math.Min(block.Length, bytes - w));
        }

        return path;
    }
}
