using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Formats;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser virtual-image FILE --annulus INNER:OUTER [--center CY:CX] -o OUT.emd --json</c>: an annular virtual
/// detector over a 4D-STEM scan (radii in detector pixels, INNER ≤ r &lt; OUTER), centred on the detected bright-field
/// disk unless a centre is given.
/// </summary>
internal static class VirtualImageCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var annulus = new Option<string>("--annulus") { Description = "INNER:OUTER radii in detector pixels (a pixel counts when INNER ≤ r < OUTER)", Required = true };
        var center = new Option<string?>("--center") { Description = "CY:CX detector pixel of the centre (default: the detected bright-field disk)" };
        var output = new Option<string>("--output", "-o") { Description = "output EMD file", Required = true };
        var workers = new Option<int>("--workers") { Description = "threads (default: all cores)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print a JSON summary" };
        var c = new Command("virtual-image", "annular virtual detector image of a 4D-STEM scan");
        common.AddTo(c);
        foreach (var o in new Option[] { annulus, center, output, workers, json })
        {
            c.Options.Add(o);
        }

        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = common.Open(r);
            var ds = file.Datasets[0];
            var (h, w) = FourDStemInputs.Detector(ds);
            var radii = Pair(r.GetValue(annulus)!, "--annulus");
            var (cy, cx) = r.GetValue(center) is { } text ? Pair(text, "--center") : DetectCenter(ds);
            var spans = PixelSpans.Annulus(h, w, cy, cx, radii.A, radii.B);
            var reducer = new VirtualDetectors([spans], ds.FrameCount);
            var pass = Stopwatch.StartNew();
            FrameExecutor.RunParallel(ds, [reducer], r.GetValue(workers), progress: ConsoleProgress.For("virtual image", ds.ByteLength), cancel: ConsoleProgress.Cancel);
            double passSeconds = pass.Elapsed.TotalSeconds;
            var image = reducer.Images[0];
            double sum = image.Sum();
            var parameters = new MetadataTree();
            parameters["annulus_inner_px"] = radii.A;
            parameters["annulus_outer_px"] = radii.B;
            parameters["center_y_px"] = cy;
            parameters["center_x_px"] = cx;
            parameters["pixels_in_detector"] = PixelSpans.Count(spans);
            var outPath = r.GetValue(output)!;
            Results.WriteScanMaps(outPath, file, ds, "virtual_image", [("virtual image", image)], "virtual-image", parameters);
            var figure = Results.WriteFigure(outPath, ds, image, "virtual image");
            Results.Report(r.GetValue(json), new JsonObject
            {
                ["elapsed_s"] = clock.Elapsed.TotalSeconds,
                ["bytes_read"] = ds.ByteLength,
                ["pass_s"] = passSeconds,
                ["gb_per_s"] = ds.ByteLength / passSeconds / 1e9,
                ["output"] = outPath,
                ["sum"] = sum,
                ["center"] = new JsonArray(cy, cx),
                ["pixels_in_detector"] = PixelSpans.Count(spans),
                ["figure"] = figure,
            });
            return 0;
        }));
        return c;
    }

    internal static (double A, double B) Pair(string text, string what)
    {
        var parts = text.Split(':', ',');
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var b)
            || !double.IsFinite(a) || !double.IsFinite(b))
        {
            throw new ArgumentException($"{what} '{text}': expected two numbers A:B");
        }

        return (a, b);
    }

    internal static (double Y, double X) DetectCenter(EmDataset ds)
    {
        var mean = FourDStemInputs.SampledMeanPattern(ds);
        var disk = BrightFieldDisk.Detect(mean, ds.Shape.Signal[1]);
        return (disk.CenterY, disk.CenterX);
    }
}

/// <summary>Writing and reporting analysis results.</summary>
internal static class Results
{
    /// <summary>Writes maps over the scan (one value per position) as one EMD dataset each, with provenance.</summary>
    public static void WriteScanMaps(string path, EmFile source, EmDataset ds, string name, IReadOnlyList<(string Title, double[] Values)> maps, string analysis, MetadataTree parameters)
    {
        var nav = ds.Shape.Navigation.Count > 0 ? ds.Shape.Navigation.ToArray() : [1];
        var axes = ds.Shape.Navigation.Count > 0 ? ds.Axes.Take(nav.Length).Select(a => a with { Navigate = false }).ToArray() : [Axis.Plain("position", 1, false)];
        var sets = new List<EmDataset>();
        foreach (var (title, values) in maps)
        {
            var bytes = new byte[values.Length * 8];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            var original = new MetadataTree();
            var provenance = original.Child("provenance");
            provenance["analysis"] = analysis;
            provenance["software"] = "Condenser " + typeof(Results).Assembly.GetName().Version;
            provenance["input_file"] = Path.GetFullPath(source.Path);
            provenance["input_bytes"] = new FileInfo(source.Path).Length;
            provenance["input_dataset"] = ds.Name;
            provenance["parameters"] = parameters;
            provenance["created"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var md = ds.Metadata.Clone();
            md.Title = title;
            md.SignalType = SignalTypes.Image;
            sets.Add(new EmDataset(title, new DatasetShape([], nav), axes, DType.Float64, new MemoryStorage(bytes), md, original));
        }

        FormatRegistry.WriterFor(path).Write(path, sets);
    }

    /// <summary>Writes a map over a 2-d scan as a PNG beside the EMD output (same name, .png), with the scan's scale bar.</summary>
    public static string? WriteFigure(string emdPath, EmDataset ds, double[] values, string caption)
    {
        if (ds.Shape.Navigation.Count != 2)
        {
            return null;
        }

        var png = Path.ChangeExtension(emdPath, ".png");
        var picture = new Rendering.PreviewImage(ds.Shape.Navigation[1], ds.Shape.Navigation[0], values, null, ds.Axes[1], caption);
        Rendering.PngRenderer.Write(picture, png, log: false, minSize: 512);
        return png;
    }

    public static void Report(bool json, JsonObject summary)
    {
        if (json)
        {
            Console.WriteLine(summary.ToJsonString(Json.Options));
        }
        else
        {
            foreach (var (k, v) in summary)
            {
                Console.Error.WriteLine($"{k,-20} {v?.ToJsonString()}");
            }
        }
    }
}
