using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Acquisition.Recorded;
using Condenser.Catalog.Priors;
using Condenser.Acquisition.Remote;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Formats;
using Condenser.Formats.Emd;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser autopilot run|resume</c>: an autonomous acquisition on the twin (or a served microscope) — a policy
/// decides where to probe next within the probes of a fraction of the raster and the instrument's budgets; the run
/// folder holds the reconstructed map, the positions, the decision log and figures.
/// </summary>
internal static class AutopilotCommand
{
    private const string TwinFile = "twin.json", RecordedFile = "recorded.json";

    public static Command Create() => new("autopilot", "autonomous acquisitions: a policy chooses where to probe next within dose and time budgets") { Run(), Resume(), Bench() };

    private static Command Bench()
    {
        var scene = new Option<string>("--scene") { Description = "scene of the twin", DefaultValueFactory = _ => "nanoparticles" };
        var seeds = new Option<string>("--seeds") { Description = "seeds A..B", DefaultValueFactory = _ => "1..3" };
        var grid = new Option<int>("--grid") { Description = "positions per side", DefaultValueFactory = _ => 48 };
        var fov = new Option<double>("--fov") { Description = "field of view (nm)", DefaultValueFactory = _ => 200 };
        var fraction = new Option<double>("--fraction") { Description = "probes of the sparse policies as a fraction of the raster's", DefaultValueFactory = _ => 0.2 };
        var alpha = new Option<double>("--convergence-mrad") { Description = "convergence semi-angle (mrad)", DefaultValueFactory = _ => 2 };
        var dwell = new Option<double>("--dwell-us") { Description = "dwell per probe (µs)", DefaultValueFactory = _ => 10 };
        var center = new Option<string?>("--center") { Description = "centre X,Y (nm; default: each seed's largest particle or precipitate near the scene's centre)" };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var warm = new Option<bool>("--warm-start") { Description = "instead: cold against warm-started gp-variance runs at growing fractions, the warm start drawn from a library of past runs on other seeds" };
        var target = new Option<string>("--target") { Description = "what is mapped: haadf or strain (the largest principal strain)", DefaultValueFactory = _ => "haadf" };
        var component = new Option<string>("--strain-component") { Description = "what a strain bench maps: magnitude, exx, eyy, exy or rotation", DefaultValueFactory = _ => "magnitude" };
        var c = new Command("bench", "every policy over several seeds against the twin's truth, with the raster beside them (JSON table)") { scene, seeds, grid, fov, fraction, alpha, dwell, center, target, component, warm, json };
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var range = r.GetValue(seeds)!.Split("..");
            if (range.Length != 2 || !int.TryParse(range[0], out int a) || !int.TryParse(range[1], out int b) || b < a || a < 0)
            {
                throw new ArgumentException($"--seeds '{r.GetValue(seeds)}': give A..B with 0 ≤ A ≤ B");
            }

            (double, double)? at = r.GetValue(center) is { } text ? TwinCommand.ParseCenter(text) : null;
            if (r.GetValue(warm))
            {
                var comparison = Condenser.Bench.WarmStartBench.RunAsync(r.GetValue(scene)!, a, b, r.GetValue(grid), r.GetValue(fov), r.GetValue(alpha), r.GetValue(dwell)).GetAwaiter().GetResult();
                if (r.GetValue(json))
                {
                    Console.WriteLine(comparison.ToJsonString(Json.Options));
                }
                else
                {
                    foreach (var row in comparison["rows"]!.AsArray())
                    {
                        Console.Error.WriteLine($"seed {row!["seed"]}: raster {row["raster_nrmse"]}; cold {row["cold_nrmse"]!.ToJsonString()} warm {row["warm_nrmse"]!.ToJsonString()} at fractions {comparison["fractions"]!.ToJsonString()}");
                    }
                }

                return 0;
            }

            var table = Condenser.Bench.AutopilotBench.RunAsync(r.GetValue(scene)!, a, b, r.GetValue(grid), r.GetValue(fov), r.GetValue(fraction), r.GetValue(alpha), r.GetValue(dwell), at, r.GetValue(target)!, r.GetValue(component)!).GetAwaiter().GetResult();
            if (r.GetValue(json))
            {
                Console.WriteLine(table.ToJsonString(Json.Options));
            }
            else
            {
                foreach (var row in table["rows"]!.AsArray())
                {
                    Console.Error.WriteLine($"{row!["policy"],-22} nrmse {row["nrmse_mean"]} ± {row["nrmse_std"]}  probes {row["probes"]}  dose {row["dose_e_per_a2"]} e/Å²  {row["mean_decision_ms"]} ms/decision  recall {row["recall_pooled"]} of {row["truth_features"]} features");
                }
            }

            return 0;
        }));
        return c;
    }


    private static Command Run()
    {
        var scene = new Option<string>("--scene") { Description = "scene of the twin", DefaultValueFactory = _ => "nanoparticles" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the twin and of the policy", DefaultValueFactory = _ => 1 };
        var policy = new Option<string>("--policy") { Description = "raster, random, sobol, gp-variance, gp-ucb, gp-ei, campaign (a coarse survey, then the edges of what it flagged)", Required = true };
        var target = new Option<string>("--target") { Description = "what is mapped: haadf, features (the HAADF map and its bright regions, written to features.csv), or strain (a 4D-STEM pattern at each probe, its lattice's strain against the median lattice of the first acquisition)", DefaultValueFactory = _ => "haadf" };
        var component = new Option<string>("--strain-component") { Description = "what a strain run maps: magnitude (the largest principal strain, |ε|), exx, eyy, exy or rotation (rad)", DefaultValueFactory = _ => "magnitude" };
        var camera = new Option<int>("--camera-pixels") { Description = "pixels per side of a strain run's patterns", DefaultValueFactory = _ => 128 };
        var fraction = new Option<double>("--fraction") { Description = "probes as a fraction of the full raster's (its dose against the raster's)", DefaultValueFactory = _ => 0.2 };
        var doseBudget = new Option<double?>("--dose-budget") { Description = "dose-per-area budget handed to the instrument (e⁻/Å²)" };
        var grid = new Option<int>("--grid") { Description = "positions per side", DefaultValueFactory = _ => 64 };
        var fov = new Option<double>("--fov") { Description = "field of view (nm)", DefaultValueFactory = _ => 200 };
        var center = new Option<string>("--center") { Description = "centre X,Y (nm from the scene's centre)", DefaultValueFactory = _ => "0,0" };
        var dwell = new Option<double>("--dwell-us") { Description = "dwell per probe (µs)", DefaultValueFactory = _ => 10 };
        var alpha = new Option<double?>("--convergence-mrad") { Description = "convergence semi-angle for the run (mrad; default: the instrument's)" };
        var microscope = new Option<string?>("--microscope") { Description = "a served microscope (condenser twin serve) instead of a twin in this process" };
        var recorded = new Option<string?>("--recorded") { Description = "a recorded 4D-STEM scan (counted frames, detector calibrated in mrad) as the microscope and its ground truth: a probe reads its frame thinned to the run's dwell; grid and field of view are the recording's" };
        var recordedCurrent = new Option<double>("--recorded-current-pa") { Description = "probe current of the recording (pA)", DefaultValueFactory = _ => 20 };
        var recordedDwell = new Option<double>("--recorded-dwell-us") { Description = "dwell of the recording (µs); --dwell-us must not exceed it", DefaultValueFactory = _ => 1000 };
        var angles = new Option<string?>("--detector-angles") { Description = "scan detector INNER,OUTER (mrad; default the instrument's HAADF detector)" };
        var reconstruction = new Option<string>("--reconstruction") { Description = "how a sparse run's map is made: gp (posterior mean) or tv (total-variation inpainting of the probes)", DefaultValueFactory = _ => "gp" };
        var warm = new Option<string?>("--warm-start") { Description = "a library (DATA_DIR) whose past runs of a like sample and instrument propose the model's hyperparameters (the records used are printed and logged)" };
        var library = new Option<string?>("--library") { Description = "record the run's map, with its settings and model, in this library (DATA_DIR) for later warm starts" };
        var sample = new Option<string?>("--sample") { Description = "the sample, for the library and the warm start (default: the twin's scene)" };
        var elements = new Option<string?>("--elements") { Description = "elements of the sample, comma-separated (for the library and the warm start)" };
        var output = new Option<string>("-o", "--output") { Description = "run folder (RUNDIR)", Required = true };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var c = new Command("run", "start an autonomous acquisition; RUNDIR gets map.emd, positions.csv, log.jsonl and report.png")
        {
            scene, seed, policy, target, component, camera, fraction, doseBudget, grid, fov, center, dwell, alpha, microscope, recorded, recordedCurrent, recordedDwell, angles, reconstruction, warm, library, sample, elements, output, json,
        };
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            var (cx, cy) = TwinCommand.ParseCenter(r.GetValue(center)!);

            var o = new AutopilotOptions
            {
                Policy = Policies.Parse(r.GetValue(policy)!),
                Target = r.GetValue(target)!,
                StrainComponent = r.GetValue(component)!,
                CameraPixels = r.GetValue(camera),
                Fraction = r.GetValue(fraction),
                DoseBudgetEPerA2 = r.GetValue(doseBudget),
                Grid = r.GetValue(grid),
                FovNm = r.GetValue(fov),
                CenterXNm = cx,
                CenterYNm = cy,
                DwellUs = r.GetValue(dwell),
                Seed = r.GetValue(seed),
                Angles = ParseAngles(r.GetValue(angles)),
                Reconstruction = r.GetValue(reconstruction)!,
            };
            var dir = r.GetValue(output)!;
            var twin = new TwinOptions { Scene = r.GetValue(scene)!, Seed = r.GetValue(seed) };
            var optics = new OpticsChange { ConvergenceMrad = r.GetValue(alpha) };
            string? url = r.GetValue(microscope);
            Recording? recording = null;
            if (r.GetValue(recorded) is { } file)
            {
                if (url is not null)
                {
                    throw new ArgumentException("--recorded and --microscope name two microscopes: give one");
                }

                recording = new Recording(Path.GetFullPath(file), r.GetValue(recordedCurrent), r.GetValue(recordedDwell));
                var m = recording.Open();
                m.DisposeAsync().AsTask().GetAwaiter().GetResult();
                if (m.PixelsX != m.PixelsY)
                {
                    throw new ArgumentException($"--recorded {file}: the autopilot maps square grids; this scan is {m.PixelsY} × {m.PixelsX}");
                }

                // The recording's grid and field, whatever --grid and --fov said.
                o = o with { Grid = m.PixelsX, FovNm = m.FieldOfView, CenterXNm = 0, CenterYNm = 0 };
                optics = new OpticsChange();
            }

            o.Check();
            Directory.CreateDirectory(dir);
            if (recording is not null)
            {
                File.WriteAllText(Path.Combine(dir, RecordedFile), JsonSerializer.Serialize(recording, Json.Options));
            }
            else if (url is null)
            {
                File.WriteAllText(Path.Combine(dir, TwinFile), new JsonObject { ["scene"] = twin.Scene, ["seed"] = twin.Seed, ["convergence_mrad"] = optics.ConvergenceMrad }.ToJsonString());
            }

            var catalogue = new CatalogueUse(r.GetValue(warm), r.GetValue(library), r.GetValue(sample) ?? (recording is null && url is null ? twin.Scene : null),
                r.GetValue(elements)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [], o.DwellUs, o.Target);
            return Execute(r.GetValue(json), clock, dir, url, recording, twin, optics, catalogue, (m, prior) => AutopilotRun.RunAsync(m, o with { Prior = prior }, dir, ConsoleProgress.Counter("probes", o.Probes), ConsoleProgress.Cancel));
        }));
        return c;
    }

    private static Command Resume()
    {
        var dir = new Argument<string>("rundir") { Description = "the run folder of a run that was stopped or killed" };
        var microscope = new Option<string?>("--microscope") { Description = "the served microscope the run used" };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var library = new Option<string?>("--library") { Description = "record the run's map in this library (DATA_DIR)" };
        var sample = new Option<string?>("--sample") { Description = "the sample, for the library (default: the twin's scene)" };
        var c = new Command("resume", "carry on a run from its log (what it acquired is not acquired again)") { dir, microscope, library, sample, json };
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            var folder = r.GetValue(dir)!;
            string? url = r.GetValue(microscope);
            var twin = new TwinOptions();
            var optics = new OpticsChange();
            var twinFile = Path.Combine(folder, TwinFile);
            Recording? recording = File.Exists(Path.Combine(folder, RecordedFile)) ? JsonSerializer.Deserialize<Recording>(File.ReadAllText(Path.Combine(folder, RecordedFile)), Json.Options) : null;
            if (url is null && recording is null)
            {
                if (!File.Exists(twinFile))
                {
                    throw new FileNotFoundException($"{folder} holds no twin settings ({TwinFile}): a run on a served microscope resumes with --microscope URL");
                }

                var t = JsonNode.Parse(File.ReadAllText(twinFile))!;
                twin = new TwinOptions { Scene = (string)t["scene"]!, Seed = (ulong)t["seed"]! };
                optics = new OpticsChange { ConvergenceMrad = (double?)t["convergence_mrad"] };
            }

            var catalogue = new CatalogueUse(null, r.GetValue(library), r.GetValue(sample) ?? (recording is null && url is null ? twin.Scene : null), []);
            return Execute(r.GetValue(json), clock, folder, url, recording, twin, optics, catalogue, (m, _) => AutopilotRun.ResumeAsync(m, folder, null, ConsoleProgress.Cancel));
        }));
        return c;
    }

    /// <summary>A recorded scan as the run's microscope: its file, and the probe current and dwell it was recorded at.</summary>
    private sealed record Recording(string File, double CurrentPa, double DwellUs)
    {
        public RecordedMicroscope Open()
        {
            var file = FormatRegistry.Open(File);
            var scan = file.Datasets.FirstOrDefault(d => d.Shape.Navigation.Count == 2 && d.Shape.Signal.Count == 2)
                ?? throw new ArgumentException($"--recorded {File}: the file holds no 4D-STEM scan (a 2-d scan of 2-d frames)");
            return new RecordedMicroscope(scan, CurrentPa, DwellUs);
        }

        /// <summary>The recording's own scan-detector image at its full dose over the run's angles: the ground truth of the map.</summary>
        public double[] Truth(AutopilotOptions o)
        {
            var m = Open();
            var image = m.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.Haadf, Scan = o.Scan with { DwellUs = DwellUs }, Angles = o.Angles }).GetAwaiter().GetResult();
            m.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return MemoryMarshal.Cast<byte, float>(image.Datasets[0].ReadAll()).ToArray().Select(v => (double)v * o.DwellUs / DwellUs).ToArray();
        }
    }

    /// <summary>
    /// <c>decisions.png</c>: the posterior standard deviation at each chosen position (what the model did not know
    /// there) against the probes made — it falls as the map fills in and jumps where the hyperparameters are refitted —
    /// titled with the dose spent against the full raster's.
    /// </summary>
    private static void WriteDecisionFigures(string dir, AutopilotOptions o)
    {
        var probes = new List<double>();
        var std = new List<double>();
        double electrons = 0;
        int made = 0;
        double area = o.FovNm * o.FovNm * 100;
        foreach (var step in AutopilotRun.Decisions(dir))
        {
            made += step["positions"]!.AsArray().Count;
            electrons += (double?)step["electrons"] ?? 0;
            probes.Add(made);
            std.Add((double?)step["reason"]?["std"] ?? double.NaN);
        }

        double dose = electrons / area, raster = made == 0 ? 0 : dose / made * o.Grid * o.Grid;
        string title = string.Create(CultureInfo.InvariantCulture, $"{o.Policy} · {made} probes · {dose:G3} e⁻/Å² (the full raster: {raster:G3})");
        Condenser.Rendering.LinePlot.Write(Path.Combine(dir, "decisions.png"), title, "probes made", "posterior σ at the chosen position", [new("σ", probes, std, Points: true)]);
    }

    private static DetectorAngles? ParseAngles(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(',');
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double inner) || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double outer))
        {
            throw new ArgumentException($"--detector-angles '{text}': give INNER,OUTER in mrad, e.g. 40,120");
        }

        return new DetectorAngles(inner, outer);
    }

    /// <summary>What a run takes from and gives to the library.</summary>
    private sealed record CatalogueUse(string? WarmStart, string? Library, string? Sample, IReadOnlyList<string> Elements, double DwellUs = 10, string Target = "haadf");

    private static int Execute(bool json, Stopwatch clock, string dir, string? url, Recording? recording, TwinOptions twin, OpticsChange optics, CatalogueUse catalogue, Func<IMicroscope, ModelPrior?, Task<AutopilotResult>> run)
    {
        IMicroscope m = recording is not null ? recording.Open() : url is null ? new DigitalTwin(twin) : new RemoteMicroscope(new Uri(url.TrimEnd('/') + "/"));
        try
        {
            if (recording is null)
            {
                m.SetOpticsAsync(optics).GetAwaiter().GetResult();
            }
            string instrument = m.DescribeAsync().GetAwaiter().GetResult().Name;
            ModelPrior? prior = null;
            bool warmAsked = catalogue.WarmStart is not null;
            if (catalogue.WarmStart is { } warmDir)
            {
                using var lib = Condenser.Catalog.Library.Open(warmDir);
                prior = ModelPriors.Propose(new LibraryPriors(lib, Condenser.Catalog.Access.Principal.Local, technique: AutopilotRun.TechniqueOf(catalogue.Target)), new PriorQuery(catalogue.Sample, instrument, catalogue.Elements, catalogue.DwellUs));
            }

            var result = run(m, prior).GetAwaiter().GetResult();
            var o = AutopilotRun.OptionsOf(dir);
            double? truthError = null;
            if (m is DigitalTwin)
            {
                // Against the twin's noise-free truth on the same grid, at the run's optics.
                truthError = AutopilotRun.TruthErrorAsync(twin, optics, dir, result).GetAwaiter().GetResult();
            }
            else if (recording is not null && o.Target != "strain")
            {
                truthError = AutopilotRun.Nrmse(result.Map, recording.Truth(o));
            }

            var state = m.GetStateAsync().GetAwaiter().GetResult();
            var datasets = RunMap.Write(Path.Combine(dir, "map.emd"), o, result, instrument, state.Optics, truthError);
            var axes = datasets[0].Axes;
            File.WriteAllText(Path.Combine(dir, "positions.csv"), AutopilotRun.PositionsCsv(o, result));
            var picture = new Condenser.Processing.Imaging.PreviewImage(o.Grid, o.Grid, result.Map, null, axes[1], $"{o.Target} · {o.Policy} · {result.Visits.Count} probes");
            Condenser.Rendering.PngRenderer.Write(picture, Path.Combine(dir, "report.png"), log: false, minSize: 512, colorBar: true);
            var order = Enumerable.Repeat(double.NaN, o.Grid * o.Grid).ToArray();
            for (int i = 0; i < result.Visits.Count; i++)
            {
                order[result.Visits[i].Position] = i;
            }

            Condenser.Rendering.PngRenderer.Write(picture with { Values = order, Caption = "probe order" }, Path.Combine(dir, "positions.png"), log: false, minSize: 512, colorBar: true);
            Condenser.Rendering.PngRenderer.Write(picture with { Values = result.Error, Caption = "standard error of the map" }, Path.Combine(dir, "uncertainty.png"), log: false, minSize: 512, colorBar: true);
            WriteDecisionFigures(dir, o);
            var summary = new JsonObject
            {
                ["output"] = dir,
                ["policy"] = o.Policy.ToString(),
                ["probes"] = result.Visits.Count,
                ["dose_e_per_a2"] = result.DosePerArea(o),
                ["instrument_time_s"] = result.InstrumentTimeS,
                ["decisions"] = result.Decisions,
                ["mean_decision_ms"] = result.MeanDecisionMs,
                ["stopped"] = result.Stopped,
                ["fallbacks"] = result.Fallbacks,
            };
            var features = o.Target == "features" ? result.Features(o) : null;
            if (features is not null)
            {
                File.WriteAllText(Path.Combine(dir, "features.csv"), FeatureDetection.Csv(features));
                summary["features"] = features.Count;
                summary["feature_threshold"] = result.Threshold;
            }

            if (warmAsked)
            {
                summary["warm_start"] = prior is null ? "no past run of a like sample or instrument: a cold start" : new JsonObject
                {
                    ["records"] = new JsonArray(prior.Evidence.Select(e => (JsonNode)new JsonObject { ["id"] = e.RecordId, ["sample"] = e.Sample, ["instrument"] = e.Instrument, ["score"] = e.Score }).ToArray()),
                    ["length_scales_nm"] = new JsonArray(prior.Model.LengthScalesNm.Select(v => (JsonNode)v).ToArray()),
                    ["signal_variance"] = prior.Model.SignalVariance,
                    ["noise_variance"] = prior.Model.NoiseVariance,
                    ["mean"] = prior.Model.Mean,
                };
            }

            if (truthError is { } error)
            {
                summary["nrmse"] = error;
            }

            if (features is not null && m is DigitalTwin)
            {
                var score = FeatureDetection.Score(features, Scenes.Create(twin.Scene, twin.Seed).Features, o);
                summary["truth_features"] = score.Truth;
                summary["recall"] = score.Recall;
                summary["precision"] = score.Precision;
                summary["false_positives"] = score.FalsePositives;
            }

            if (catalogue.Library is { } libraryDir)
            {
                using var lib = Condenser.Catalog.Library.Open(libraryDir);
                var outcome = RunRecords.Record(lib, Condenser.Catalog.Access.Principal.Local, Path.Combine(dir, "map.emd"), catalogue.Sample, catalogue.Elements, $"autopilot {o.Policy} run, {result.Visits.Count} probes, {o.Target}");
                summary["library"] = outcome.ToJson();
            }

            // A run that acquired nothing has no threshold and no error: null, not a number JSON cannot hold.
            foreach (var key in summary.Select(p => p.Key).ToList())
            {
                if (summary[key] is JsonValue v && v.TryGetValue(out double d) && !double.IsFinite(d))
                {
                    summary[key] = null;
                }
            }

            Results.Report(json, summary, clock);
            return 0;
        }
        finally
        {
            m.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
