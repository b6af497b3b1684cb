using System.CommandLine;
using Condenser.Bench;

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
            Console.WriteLine(FourDBench.Read(file, r.GetValue(repeats)).ToJsonString(Json.Options));
            return 0;
        }));
        var c = new Command("bench", "measure Condenser on this machine (the measurements live in bench/Condenser.Bench; bench/scripts runs them beside the baselines)") { read, FourDStem(), Stream(), CatalogBenchCommand.Catalog(), CatalogBenchCommand.Load(), Twin(), GaussianProcess() };
        return c;
    }

    /// <summary><c>condenser bench gp</c>: the cost of a decision of an acquisition loop over a 256² candidate grid as observations grow (JSON).</summary>
    private static Command GaussianProcess()
    {
        var c = new Command("gp", "milliseconds per decision (add an observation, maximise the acquisition value over 256×256 candidates) up to 10,000 observations, and the exact process beside it (JSON)");
        c.SetAction(r => CommandRunner.Run(() =>
        {
            Console.WriteLine(GaussianProcessBench.Run().ToJsonString(Json.Options));
            return 0;
        }));
        return c;
    }

    /// <summary><c>condenser bench twin [--full]</c>: the digital twin's simulation and streaming speeds (JSON).</summary>
    private static Command Twin()
    {
        var full = new Option<bool>("--full") { Description = "add the 256×256-probe scan of 128×128 frames (about a minute)" };
        var c = new Command("twin", "how fast the digital twin simulates 4D-STEM and HAADF, and streams frames to a remote client on loopback (JSON)") { full };
        c.SetAction(r => CommandRunner.Run(() =>
        {
            Console.WriteLine(TwinBench.RunAsync(r.GetValue(full)).GetAwaiter().GetResult().ToJsonString(Json.Options));
            return 0;
        }));
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
            Console.WriteLine(FourDBench.Stream(file.Datasets[0]).ToJsonString());
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
            foreach (var line in FourDBench.Passes(file.Datasets[0], r.GetValue(repeats), r.GetValue(workers)))
            {
                Console.WriteLine(line.ToJsonString());
            }

            return 0;
        }));
        return c;
    }
}
