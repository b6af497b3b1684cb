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
        var c = new Command("bench", "measure Condenser on this machine") { read };
        return c;
    }
}
