using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Formats;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Bench;

/// <summary>
/// The measurements behind <c>condenser bench read|fourd|stream</c>: frame iteration against a plain read of the same
/// file, passes of the 4D-STEM reducers repeated in one process, and the peak resident set of a pass over a file
/// larger than memory.
/// </summary>
public static class FourDBench
{
    /// <summary>The best of <paramref name="repeats"/> passes of a plain read into a buffer, frames copied and frames touched in place (GB/s).</summary>
    public static JsonObject Read(EmFile file, int repeats)
    {
    var ds = file.Datasets[0];
    int n = Math.Max(1, repeats);
    double baseline = double.MaxValue, frames = double.MaxValue, zeroCopy = double.MaxValue;
    long bytes = new FileInfo(file.Path).Length;
    for (int i = 0; i < n; i++)
    {
        baseline = Math.Min(baseline, ReadBenchmarks.FileIntoBuffer(file.Path));
        frames = Math.Min(frames, ReadBenchmarks.FramesIntoBuffer(ds));
        zeroCopy = Math.Min(zeroCopy, ReadBenchmarks.FramesTouched(ds));
    }

    return new JsonObject
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
    }

    /// <summary>
    /// Passes of a plain sum, one annular virtual detector, ten detectors and the centre of mass over the same 4D-STEM
    /// data (the mapping kept between passes, and over read(2)), each timed alone: one JSON line per reducer and I/O path.
    /// </summary>
    public static IEnumerable<JsonObject> Passes(EmDataset ds, int repeats, int workers)
    {
    var (h, w) = FourDStemInputs.Detector(ds);
    int n = Math.Max(1, repeats), threads = workers > 0 ? workers : Environment.ProcessorCount;
    double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
    var ring = PixelSpans.Annulus(h, w, cy, cx, h / 4.0, h / 2.0);
    var tenRings = Enumerable.Range(0, 10).Select(k => PixelSpans.Annulus(h, w, cy, cx, k * h / 20.0, (k + 1) * h / 20.0)).ToArray();
    var cases = new (string Name, Func<IFrameReducer> Make)[]
    {
        ("sum", () => new FrameSums()),
        ("virtual-image", () => new VirtualDetectors([ring])),
        ("virtual-image-10", () => new VirtualDetectors(tenRings)),
        ("com", () => new CenterOfMass(cy, cx)),
    };
    foreach (var io in new[] { IoPath.Mapped, IoPath.Read })
    foreach (var (name, make) in cases)
    {
        var times = new JsonArray();
        double best = double.MaxValue;
        for (int i = 0; i < n; i++)
        {
            var clock = Stopwatch.StartNew();
            FrameExecutor.Run(ds, [make()], new ReductionOptions { Workers = threads, Io = io });
            double t = clock.Elapsed.TotalSeconds;
            best = Math.Min(best, t);
            times.Add(t);
        }

        yield return new JsonObject
        {
            ["method"] = "condenser-" + name,
            ["io"] = io == IoPath.Mapped ? "mapping kept" : "read",
            ["threads"] = threads,
            ["bytes"] = ds.ByteLength,
            ["elapsed_s"] = times,
            ["gb_per_s_best"] = ds.ByteLength / best / 1e9,
        };
    }
    }

    /// <summary>
    /// One centre-of-mass pass over the mapping with the process's peak resident set (VmHWM) and file pages still
    /// mapped (RssFile) at the end: a file larger than memory must stream.
    /// </summary>
    public static JsonObject Stream(EmDataset ds)
    {
    var (h, w) = FourDStemInputs.Detector(ds);
    var com = new CenterOfMass((h - 1) / 2.0, (w - 1) / 2.0);
    var clock = Stopwatch.StartNew();
    // The mapped path: what this measures is that a pass over a mapping larger than memory releases its pages.
    FrameExecutor.Run(ds, [com], new ReductionOptions { Io = IoPath.Mapped });
    double seconds = clock.Elapsed.TotalSeconds;
    var status = File.ReadAllLines("/proc/self/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
    long Kb(string key) => status.TryGetValue(key, out var v) ? long.Parse(v.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024 : -1;
    return new JsonObject
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
        };
    }
}
