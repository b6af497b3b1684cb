using System.CommandLine;
using Microsoft.Extensions.Hosting;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Acquisition.Remote;
using Condenser.Server.Features.Instrument;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser twin scenes|acquire|truth|serve</c>: the digital twin of a scanning transmission electron microscope —
/// its scenes, acquisitions with calibrated metadata and their cost, the ground truth behind them, and the twin served
/// over HTTP as an instrument.
/// </summary>
internal static class TwinCommand
{
    public static Command Create() => new("twin", "the digital twin of a STEM: scenes, acquisitions, ground truth, and the twin served as an instrument") { Scenes(), Acquire(), Truth(), Serve() };

    /// <summary>The options that say where the twin looks: scene, seed, centre, field of view, pixels, output, JSON.</summary>
    private sealed class FieldOptions
    {
        public Option<string> Scene { get; } = SceneOption();

        public Option<ulong> Seed { get; } = SeedOption();

        public Option<string> Center { get; } = new("--center") { Description = "centre of the field X,Y (nm from the scene's centre)", DefaultValueFactory = _ => "0,0" };

        public Option<double> Fov { get; } = new("--fov") { Description = "field of view (nm)", Required = true };

        public Option<int> Pixels { get; } = new("--pixels") { Description = "scan positions per side", Required = true };

        public Option<string> Output { get; } = new("-o", "--output") { Description = "output file: .emd (HDF5 EMD), or .nxs, .tif, .raw (raw + JSON sidecar: fastest for large 4D-STEM scans) by its extension", Required = true };

        public Option<bool> Json { get; } = new("--json") { Description = "print JSON" };

        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { Scene, Seed, Center, Fov, Pixels, Output, Json })
            {
                c.Options.Add(o);
            }
        }

        public TwinOptions Twin(ParseResult r) => new() { Scene = r.GetValue(Scene)!, Seed = r.GetValue(Seed) };

        public (double X, double Y) CenterOf(ParseResult r) => ParseCenter(r.GetValue(Center)!);
    }

    private static Option<string> SceneOption() => new("--scene") { Description = $"scene: {string.Join(", ", Condenser.Acquisition.DigitalTwin.Scenes.Names)}", DefaultValueFactory = _ => "polycrystal" };

    private static Option<ulong> SeedOption() => new("--seed") { Description = "seed of the scene and of every random draw", DefaultValueFactory = _ => 1 };

    private static Command Scenes()
    {
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var c = new Command("scenes", "the twin's scenes and their phases") { json };
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var scenes = new JsonArray();
            foreach (var name in Condenser.Acquisition.DigitalTwin.Scenes.Names)
            {
                var s = Condenser.Acquisition.DigitalTwin.Scenes.Create(name, 1);
                scenes.Add(new JsonObject
                {
                    ["name"] = s.Name,
                    ["description"] = s.Description,
                    ["strained"] = s.Strained,
                    ["field_nm"] = 2 * s.HalfFieldNm,
                    ["phases"] = new JsonArray(s.Phases.Select(p => (JsonNode)new JsonObject
                    {
                        ["id"] = p.Id,
                        ["name"] = p.Name,
                        ["lattice"] = p.Crystal is { } x ? new JsonObject { ["a"] = x.A, ["b"] = x.B, ["c"] = x.C, ["alpha"] = x.Alpha, ["beta"] = x.Beta, ["gamma"] = x.Gamma } : null,
                        ["zone_axis"] = p.ZoneAxis is { } z ? new JsonArray(z.Select(v => (JsonNode)v).ToArray()) : null,
                        ["amorphous"] = p.Amorphous is not null,
                    }).ToArray()),
                });
            }

            if (r.GetValue(json))
            {
                Console.WriteLine(new JsonObject { ["scenes"] = scenes }.ToJsonString(Json.Options));
            }
            else
            {
                foreach (var s in scenes)
                {
                    Console.WriteLine($"{s!["name"]}: {s["description"]}");
                    foreach (var p in s["phases"]!.AsArray())
                    {
                        Console.WriteLine($"  phase {p!["id"]} {p["name"]}{(p["zone_axis"] is JsonArray z ? $" [{string.Concat(z.Select(v => v!.ToString()))}]" : " (amorphous)")}");
                    }
                }
            }

            return 0;
        }));
        return c;
    }

    /// <summary>A point X,Y in nm, as <c>--center</c> takes it.</summary>
    internal static (double X, double Y) ParseCenter(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 2 || !double.TryParse(parts[0], CultureInfo.InvariantCulture, out double x) || !double.TryParse(parts[1], CultureInfo.InvariantCulture, out double y))
        {
            throw new ArgumentException($"--center '{text}': give X,Y in nm from the scene's centre, e.g. --center 120,-40");
        }

        return (x, y);
    }

    private static Command Acquire()
    {
        var f = new FieldOptions();
        var mode = new Option<string>("--mode") { Description = "haadf, adf, bf, 4dstem, eels or eds", Required = true };
        var dwell = new Option<double?>("--dwell-us") { Description = "dwell per position (µs; default 10 for images, 1000 for 4D-STEM and EELS, 10000 for EDS)" };
        var current = new Option<double?>("--probe-current-pa") { Description = "probe current (pA; default 20)" };
        var camera = new Option<int>("--camera-pixels") { Description = "camera pixels per side (4D-STEM)", DefaultValueFactory = _ => 128 };
        var length = new Option<double?>("--camera-length-mm") { Description = "camera length (mm; default 100)" };
        var alpha = new Option<double?>("--convergence-mrad") { Description = "convergence semi-angle (mrad; default 20)" };
        var kv = new Option<double?>("--kv") { Description = "high tension (kV: 60, 80, 120, 200, 300; default 200)" };
        var defocus = new Option<double?>("--defocus-nm") { Description = "defocus (nm; default 0)" };
        var ideal = new Option<bool>("--ideal") { Description = "no noise, drift, distortion or damage: the physics alone" };
        var server = new Option<string?>("--server") { Description = "acquire from a served microscope (condenser twin serve) instead of a twin in this process" };
        var c = new Command("acquire", "acquire with the twin (or a served microscope) and write the data, calibrated, to EMD")
        {
            mode, dwell, current, camera, length, alpha, kv, defocus, ideal, server,
        };
        f.AddTo(c);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            var detector = r.GetValue(mode)!.ToLowerInvariant() switch
            {
                "haadf" => DetectorKind.Haadf,
                "adf" => DetectorKind.Adf,
                "bf" => DetectorKind.Bf,
                "4dstem" or "4d-stem" => DetectorKind.FourDStem,
                "eels" => DetectorKind.Eels,
                "eds" => DetectorKind.Eds,
                var m => throw new ArgumentException($"--mode '{m}': give haadf, adf, bf, 4dstem, eels or eds"),
            };
            var (cx, cy) = f.CenterOf(r);
            double dwellUs = r.GetValue(dwell) ?? detector switch { DetectorKind.FourDStem or DetectorKind.Eels => 1000, DetectorKind.Eds => 10000, _ => 10 };
            int n = r.GetValue(f.Pixels);
            var options = f.Twin(r);
            if (r.GetValue(ideal))
            {
                options = options.Ideal();
            }

            IMicroscope microscope = r.GetValue(server) is { } url ? new RemoteMicroscope(new Uri(url.TrimEnd('/') + "/")) : new DigitalTwin(options);
            try
            {
                microscope.SetOpticsAsync(new OpticsChange
                {
                    ProbeCurrentPa = r.GetValue(current),
                    CameraLengthMm = r.GetValue(length),
                    ConvergenceMrad = r.GetValue(alpha),
                    HighTensionKv = r.GetValue(kv),
                    DefocusNm = r.GetValue(defocus),
                }).GetAwaiter().GetResult();
                var request = new AcquisitionRequest { Detector = detector, Scan = new ScanSettings(cx, cy, r.GetValue(f.Fov), n, n, dwellUs), CameraPixels = r.GetValue(camera) };
                var result = microscope.AcquireAsync(request).GetAwaiter().GetResult();
                var outPath = Results.OutputPath(r.GetValue(f.Output)!);
                Condenser.Formats.FormatRegistry.WriterFor(outPath).Write(outPath, result.Datasets);
                var summary = new JsonObject
                {
                    ["output"] = outPath,
                    ["instrument"] = microscope.DescribeAsync().GetAwaiter().GetResult().Name,
                    ["mode"] = detector.ToString().ToLowerInvariant(),
                    ["datasets"] = new JsonArray(result.Datasets.Select(d => (JsonNode)new JsonObject { ["name"] = d.Name, ["shape"] = d.Shape.ToString(), ["dtype"] = d.DType.ToString() }).ToArray()),
                    ["instrument_time_s"] = result.Cost.InstrumentTimeS,
                    ["dose_e_per_a2"] = result.Cost.DoseEPerA2,
                    ["mean_dose_e_per_a2"] = result.Cost.MeanDoseEPerA2,
                    ["total_electrons"] = result.Cost.TotalElectrons,
                };
                if (microscope is DigitalTwin)
                {
                    summary["scene"] = options.Scene;
                    summary["seed"] = options.Seed;
                }

                Results.Report(r.GetValue(f.Json), summary, clock);
            }
            finally
            {
                microscope.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return 0;
        }));
        return c;
    }

    private static Command Truth()
    {
        var f = new FieldOptions();
        var dwell = new Option<double>("--dwell-us") { Description = "dwell of the noise-free HAADF (µs)", DefaultValueFactory = _ => 10 };
        var c = new Command("truth", "the ground truth of a scene on a grid: phase, strain, rotation, thickness, composition, noise-free HAADF (EMD)") { dwell };
        f.AddTo(c);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            var (cx, cy) = f.CenterOf(r);
            int n = r.GetValue(f.Pixels);
            if (n < 1 || n > 4096)
            {
                throw new ArgumentException($"--pixels {n}: give 1 to 4096 (the truth holds a dozen maps of that size in memory)");
            }

            var options = f.Twin(r);
            var maps = GroundTruth.MapsAsync(options, cx, cy, r.GetValue(f.Fov), n, r.GetValue(dwell)).GetAwaiter().GetResult();
            var outPath = Results.OutputPath(r.GetValue(f.Output)!);
            Condenser.Formats.FormatRegistry.WriterFor(outPath).Write(outPath, maps);
            var scn = Condenser.Acquisition.DigitalTwin.Scenes.Create(options.Scene, options.Seed);
            double half = r.GetValue(f.Fov) / 2;
            var features = scn.Features.Where(f => Math.Abs(f.XNm - cx) <= half + f.SizeNm && Math.Abs(f.YNm - cy) <= half + f.SizeNm)
                .Select(f => (JsonNode)new JsonObject { ["kind"] = f.Kind, ["x_nm"] = f.XNm, ["y_nm"] = f.YNm, ["size_nm"] = f.SizeNm, ["phase"] = f.PhaseId }).ToList();
            if (half <= 50)
            {
                // Point defects are drawn column by column: listed for fields small enough to hold them.
                features.AddRange(GroundTruth.PointDefects(scn, cx - half, cy - half, cx + half, cy + half)
                    .Select(d => (JsonNode)new JsonObject { ["kind"] = d.Substitute is null ? "vacancy" : "substitution", ["x_nm"] = d.X, ["y_nm"] = d.Y, ["host"] = d.Host, ["substitute"] = d.Substitute }));
            }

            var summary = new JsonObject
            {
                ["output"] = outPath,
                ["scene"] = options.Scene,
                ["seed"] = options.Seed,
                ["datasets"] = new JsonArray(maps.Select(m => (JsonNode)m.Name).ToArray()),
                ["features"] = new JsonArray([.. features]),
            };
            Results.Report(r.GetValue(f.Json), summary, clock);
            return 0;
        }));
        return c;
    }

    private static Command Serve()
    {
        var scene = SceneOption();
        var seed = SeedOption();
        var urls = new Option<string>("--urls") { Description = "where to listen (semicolon-separated URLs)", DefaultValueFactory = _ => "http://127.0.0.1:5090" };
        var ideal = new Option<bool>("--ideal") { Description = "no noise, drift, distortion or damage" };
        var c = new Command("serve", "serve the twin as an instrument over HTTP (JSON commands, acquisitions streamed; OpenAPI at /openapi/v1.json)") { scene, seed, urls, ideal };
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var options = new TwinOptions { Scene = r.GetValue(scene)!, Seed = r.GetValue(seed) };
            var twin = new DigitalTwin(r.GetValue(ideal) ? options.Ideal() : options);
            var app = InstrumentServer.Build(twin, r.GetValue(urls)!);
            app.Start();
            Console.Error.WriteLine($"twin of scene {options.Scene} (seed {options.Seed}) serving {string.Join(", ", app.Urls)} — state {app.Urls.First()}/api/instrument/state, OpenAPI {app.Urls.First()}/openapi/v1.json");
            app.WaitForShutdown();
            return 0;
        }));
        return c;
    }
}
