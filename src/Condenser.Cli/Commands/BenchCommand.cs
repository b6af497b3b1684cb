using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data.Diagnostics;
using Condenser.Formats;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser bench read FILE</c>: the throughput of iterating a file's frames against the machine's plain read of
/// the same file into a buffer, measured in the same process, one after the other.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var repeats = new Option<int>("--repeats") { Description = "passes of each measurement (the best is reported)", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var read = new Command("read", "frames-per-second of reading a file through Condenser vs. reading its bytes into a buffer");
        common.AddTo(read);
        read.Options.Add(repeats);
        read.Options.Add(json);
        read.SetAction(r => CommandRunner.Run(() =>
        {
            using var file = common.Open(r);
            var ds = file.Datasets[0];
            int n = Math.Max(1, r.GetValue(repeats));
            double baseline = double.MaxValue, frames = double.MaxValue, zeroCopy = double.MaxValue;
            long bytes = new FileInfo(file.Path).Length;
            for (int i = 0; i < n; i++)
            {
                baseline = Math.Min(baseline, ReadBenchmarks.FileIntoBuffer(file.Path));
                frames = Math.Min(frames, ReadBenchmarks.FramesIntoBuffer(ds));
                zeroCopy = Math.Min(zeroCopy, ReadBenchmarks.FramesTouched(ds));
            }

            var result = new JsonObject
            {
                ["file"] = file.Path,
                ["file_bytes"] = bytes,
                ["dataset_bytes"] = ds.ByteLength,
                ["frames"] = ds.FrameCount,
                ["read_into_buffer_gbps"] = bytes / baseline / 1e9,
                ["frames_copied_gbps"] = ds.ByteLength / frames / 1e9,
                ["frames_mapped_gbps"] = ds.ByteLength / zeroCopy / 1e9,
                ["ratio_copied"] = ds.ByteLength / frames / (bytes / baseline),
                ["ratio_mapped"] = ds.ByteLength / zeroCopy / (bytes / baseline),
            };
            Console.WriteLine(result.ToJsonString(Json.Options));
            return 0;
        }));
        var c = new Command("bench", "measure Condenser on this machine") { read, FourDStem(), Stream(), CatalogBenchCommand.Catalog(), CatalogBenchCommand.Load() };
        return c;
    }

    /// <summary>
    /// <c>condenser bench stream FILE</c>: one centre-of-mass pass over a 4D-STEM file with the process's peak resident
    /// set (VmHWM) and file pages still mapped (RssFile) at the end: a file larger than memory must stream.
    /// </summary>
    private static Command Stream()
    {
        var common = new CommonOptions();
        var threshold = new Option<long?>("--streaming-threshold") { Description = "stream datasets larger than this many bytes (default: half the memory)" };
        var c = new Command("stream", "peak resident memory of one pass over a 4D-STEM file (JSON)");
        common.AddTo(c);
        c.Options.Add(threshold);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            if (r.GetValue(threshold) is { } t)
            {
                Data.EmDataset.StreamingThresholdBytes = t;
            }

            using var file = common.Open(r);
            var ds = file.Datasets[0];
            var (h, w) = Processing.FourDStem.FourDStemInputs.Detector(ds);
            var com = new Processing.FourDStem.CenterOfMass((h - 1) / 2.0, (w - 1) / 2.0);
            var clock = Stopwatch.StartNew();
            // The mapped path: what this measures is that a pass over a mapping larger than memory releases its pages.
            Processing.MapReduce.FrameExecutor.Run(ds, [com], new Processing.MapReduce.ReductionOptions { Io = Processing.MapReduce.IoPath.Mapped });
            double seconds = clock.Elapsed.TotalSeconds;
            var status = File.ReadAllLines("/proc/self/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
            long Kb(string key) => status.TryGetValue(key, out var v) ? long.Parse(v.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024 : -1;
            Console.WriteLine(new JsonObject
            {
                ["method"] = "condenser-stream-com",
                ["bytes"] = ds.ByteLength,
                ["streams"] = ds.Streams,
                ["elapsed_s"] = seconds,
                ["gb_per_s"] = ds.ByteLength / seconds / 1e9,
                ["sum"] = com.Total.Sum(),
                ["peak_rss_bytes"] = Kb("VmHWM"),
                ["rss_file_bytes_after"] = Kb("RssFile"),
                ["memory_bytes"] = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            }.ToJsonString());
            return 0;
        }));
        return c;
    }

    /// <summary>
    /// <c>condenser bench fourd FILE</c>: passes of a plain sum, one annular virtual detector, ten detectors and the
    /// centre of mass over the same 4D-STEM data in one process (the mapping kept between passes), each timed alone.
    /// </summary>
    private static Command FourDStem()
    {
        var common = new CommonOptions();
        var repeats = new Option<int>("--repeats") { Description = "passes of each measurement", DefaultValueFactory = _ => 3 };
        var workers = new Option<int>("--workers") { Description = "threads (default: all cores)", DefaultValueFactory = _ => 0 };
        var c = new Command("fourd", "GB/s of a plain sum, a virtual detector, ten virtual detectors and the centre of mass over a 4D-STEM file (one JSON line each)");
        common.AddTo(c);
        c.Options.Add(repeats);
        c.Options.Add(workers);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            using var file = common.Open(r);
            var ds = file.Datasets[0];
            var (h, w) = Processing.FourDStem.FourDStemInputs.Detector(ds);
            int n = Math.Max(1, r.GetValue(repeats)), threads = r.GetValue(workers) > 0 ? r.GetValue(workers) : Environment.ProcessorCount;
            double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
            var ring = Processing.Kernels.PixelSpans.Annulus(h, w, cy, cx, h / 4.0, h / 2.0);
            var tenRings = Enumerable.Range(0, 10).Select(k => Processing.Kernels.PixelSpans.Annulus(h, w, cy, cx, k * h / 20.0, (k + 1) * h / 20.0)).ToArray();
            var cases = new (string Name, Func<Processing.MapReduce.IFrameReducer> Make)[]
            {
                ("sum", () => new Processing.FourDStem.FrameSums()),
                ("virtual-image", () => new Processing.FourDStem.VirtualDetectors([ring])),
                ("virtual-image-10", () => new Processing.FourDStem.VirtualDetectors(tenRings)),
                ("com", () => new Processing.FourDStem.CenterOfMass(cy, cx)),
            };
            foreach (var io in new[] { Processing.MapReduce.IoPath.Mapped, Processing.MapReduce.IoPath.Read })
            foreach (var (name, make) in cases)
            {
                var times = new JsonArray();
                double best = double.MaxValue;
                for (int i = 0; i < n; i++)
                {
                    var clock = Stopwatch.StartNew();
                    Processing.MapReduce.FrameExecutor.Run(ds, [make()], new Processing.MapReduce.ReductionOptions { Workers = threads, Io = io });
                    double t = clock.Elapsed.TotalSeconds;
                    best = Math.Min(best, t);
                    times.Add(t);
                }

                Console.WriteLine(new JsonObject
                {
                    ["method"] = "condenser-" + name,
                    ["io"] = io == Processing.MapReduce.IoPath.Mapped ? "mapping kept" : "read",
                    ["threads"] = threads,
                    ["bytes"] = ds.ByteLength,
                    ["elapsed_s"] = times,
                    ["gb_per_s_best"] = ds.ByteLength / best / 1e9,
                }.ToJsonString());
            }

            return 0;
        }));
        return c;
    }
}
