using System.CommandLine;
using System.Text.Json.Nodes;
using Condenser.Processing.Imaging;
using Condenser.Rendering;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser preview FILE -o out.png</c>: a picture with percentile contrast and a calibrated scale bar.</summary>
internal static class PreviewCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var output = new Option<string>("--output", "-o") { Description = "PNG file to write", Required = true };
        var log = new Option<bool>("--log") { Description = "logarithmic intensity (diffraction patterns)" };
        var dataset = new Option<int>("--dataset") { Description = "which dataset of the file (index as `info` lists it)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print a JSON summary" };
        var c = new Command("preview", "write a PNG preview: the image, the mean frame of a stack or 4D-STEM scan, the summed map of a spectrum image, or a spectrum plot");
        common.AddTo(c);
        c.Options.Add(output);
        c.Options.Add(log);
        c.Options.Add(dataset);
        c.Options.Add(json);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            using var file = common.Open(r);
            int i = r.GetValue(dataset);
            if (i < 0 || i >= file.Datasets.Count)
            {
                throw new ArgumentException($"--dataset {i}: the file has datasets 0..{file.Datasets.Count - 1}");
            }

            var ds = file.Datasets[i];
            bool useLog = r.GetValue(log);
            var picture = PreviewImage.From(ds, ConsoleProgress.For($"reading {ds.Name}", ds.ByteLength), ConsoleProgress.Cancel);
            var path = Results.OutputPath(r.GetValue(output)!);
            PngRenderer.Write(picture, path, useLog);
            if (r.GetValue(json))
            {
                Console.WriteLine(new JsonObject
                {
                    ["file"] = file.Path,
                    ["dataset"] = i,
                    ["output"] = path,
                    ["shows"] = picture.Caption,
                    ["width"] = picture.Width,
                    ["height"] = picture.Height,
                    ["log"] = useLog,
                }.ToJsonString(Json.Options));
            }
            else
            {
                Console.Error.WriteLine($"wrote {path}: {picture.Caption}");
            }

            return 0;
        }));
        return c;
    }
}
