using System.CommandLine;
using System.Text.Json.Nodes;
using Condenser.Formats;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser convert IN OUT</c>: to EMD (HDF5), TIFF with ImageJ calibration, or raw + JSON sidecar.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var output = new Argument<string>("output") { Description = "output file: .emd/.h5 (HDF5 EMD), .tif (TIFF), .raw (raw + JSON sidecar)" };
        var to = new Option<string?>("--to") { Description = "output format (emd, tiff, raw) when the extension does not say" };
        var dataset = new Option<int?>("--dataset") { Description = "convert only this dataset (index as `info` lists it)" };
        var json = new Option<bool>("--json") { Description = "print a JSON summary" };
        var c = new Command("convert", "convert a file to EMD (HDF5, as HyperSpy writes it), NeXus NXem (.nxs), TIFF with ImageJ calibration or raw + JSON sidecar (by the output's extension)");
        common.AddTo(c);
        c.Arguments.Add(output);
        c.Options.Add(to);
        c.Options.Add(dataset);
        c.Options.Add(json);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            using var file = common.Open(r);
            var outPath = Results.OutputPath(r.GetValue(output)!);
            var writer = FormatRegistry.WriterFor(outPath, r.GetValue(to));
            var sets = file.Datasets;
            if (r.GetValue(dataset) is { } i)
            {
                if (i < 0 || i >= sets.Count)
                {
                    throw new ArgumentException($"--dataset {i}: the file has datasets 0..{sets.Count - 1}");
                }

                sets = [sets[i]];
            }

            var started = System.Diagnostics.Stopwatch.StartNew();
            writer.Write(outPath, sets);
            if (r.GetValue(json))
            {
                Console.WriteLine(new JsonObject
                {
                    ["input"] = file.Path,
                    ["output"] = outPath,
                    ["format"] = writer.Name,
                    ["datasets"] = sets.Count,
                    ["elapsed_s"] = started.Elapsed.TotalSeconds,
                }.ToJsonString(Json.Options));
            }
            else
            {
                Console.Error.WriteLine($"wrote {sets.Count} dataset(s) to {outPath} ({writer.Name}) in {started.Elapsed.TotalSeconds:F2} s");
            }

            return 0;
        }));
        return c;
    }
}
