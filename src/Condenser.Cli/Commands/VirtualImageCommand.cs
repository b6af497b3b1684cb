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
        var mrad = new Option<bool>("--mrad") { Description = "--annulus radii are scattering angles in mrad (needs a detector calibrated in angle, or in 1/length with the beam energy)" };
        var descan = new Option<bool>("--descan") { Description = "correct the descan shift: fit a plane to the centre of mass over the scan (one extra pass) and move the detector with it" };
        var c = new Command("virtual-image", "annular virtual detector image of a 4D-STEM scan");
        common.AddTo(c);
        foreach (var o in new Option[] { annulus, center, output, workers, json, mrad, descan })
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
            double pixelsPerUnit = 1;
            if (r.GetValue(mrad))
            {
                pixelsPerUnit = 1 / (Processing.FourDStem.DetectorCalibration.MradPerPixel(ds)
                    ?? throw new ArgumentException($"{ds.Name}: --mrad needs the detector axes in mrad/rad, or in 1/nm with the beam energy; this file has '{ds.Axes[^1].Units}'{(ds.Metadata.BeamEnergyKeV is null ? " and no beam energy" : string.Empty)}"));
            }

            var spans = PixelSpans.Annulus(h, w, cy, cx, radii.A * pixelsPerUnit, radii.B * pixelsPerUnit);
            Func<long, (int, int)>? shiftOf = null;
            Descan? fit = null;
            if (r.GetValue(descan))
            {
                if (ds.Shape.Navigation.Count != 2)
                {
                    throw new ArgumentException($"{ds.Name}: --descan needs a 2-d scan");
                }

                var com = new CenterOfMass(ds.FrameCount, cy, cx);
                FrameExecutor.RunParallel(ds, [com], r.GetValue(workers), progress: ConsoleProgress.For("descan", ds.ByteLength), cancel: ConsoleProgress.Cancel);
                int nx = ds.Shape.Navigation[1];
                var plane = Descan.Fit(com.ShiftY, com.ShiftX, ds.Shape.Navigation[0], nx);
                fit = plane;
                shiftOf = p => plane.WholePixels(p, nx);
            }

            var reducer = new VirtualDetectors([spans], ds.FrameCount, shiftOf);
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
            parameters["radii_unit"] = r.GetValue(mrad) ? "mrad" : "px";
            if (fit is not null)
            {
                parameters["descan_plane_px"] = $"y = {fit.Y0:G6} + {fit.Yy:G6}·row + {fit.Yx:G6}·col; x = {fit.X0:G6} + {fit.Xy:G6}·row + {fit.Xx:G6}·col";
            }
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
    public static void WriteScanMaps(string path, EmFile source, EmDataset ds, string name, IReadOnlyList<(string Title, double[] Values)> maps, string analysis, MetadataTree parameters, IReadOnlyList<EmDataset>? extra = null)
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
            provenance["input_sha256"] = InputHash(source.Path);
            provenance["input_dataset"] = ds.Name;
            provenance["parameters"] = parameters;
            provenance["created"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var md = ds.Metadata.Clone();
            md.Title = title;
            md.SignalType = SignalTypes.Image;
            sets.Add(new EmDataset(title, new DatasetShape([], nav), axes, DType.Float64, new MemoryStorage(bytes), md, original));
        }

        foreach (var e in extra ?? [])
        {
            var provenance = e.OriginalMetadata.Child("provenance");
            provenance["analysis"] = analysis;
            provenance["input_file"] = Path.GetFullPath(source.Path);
            provenance["input_sha256"] = InputHash(source.Path);
            sets.Add(e);
        }

        FormatRegistry.WriterFor(path).Write(path, sets);
    }

    /// <summary>One spectrum as a dataset with the given energy axis.</summary>
    public static EmDataset Spectrum(string title, double[] values, Axis energy, Metadata source)
    {
        var bytes = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        var md = source.Clone();
        md.Title = title;
        md.SignalType = SignalTypes.Spectrum;
        return new EmDataset(title, new DatasetShape([], [values.Length]), [energy with { Size = values.Length }], DType.Float64, new MemoryStorage(bytes), md);
    }

    private static readonly Dictionary<string, string> Hashes = [];

    /// <summary>SHA-256 of the input file (hex), computed once per file per process, streamed.</summary>
    public static string InputHash(string path)
    {
        var full = Path.GetFullPath(path);
        lock (Hashes)
        {
            if (!Hashes.TryGetValue(full, out var hash))
            {
                using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
                Hashes[full] = hash;
            }

            return hash;
        }
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
        Rendering.PngRenderer.Write(picture, png, log: false, minSize: 512, colorBar: true);
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
