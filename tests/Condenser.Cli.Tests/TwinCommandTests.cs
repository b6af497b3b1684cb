using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Condenser.Formats;

namespace Condenser.Cli.Tests;

/// <summary>The stable command line of the twin: <c>twin scenes</c>, <c>twin acquire</c>, <c>twin truth</c>.</summary>
public sealed class TwinCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-twin-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The arguments with <paramref name="option"/> set to <paramref name="value"/> (replaced, or added).</summary>
    internal static string[] WithOption(List<string> args, string option, string value)
    {
        var list = args.ToList();
        int at = list.IndexOf(option);
        if (at >= 0)
        {
            list[at + 1] = value;
        }
        else
        {
            list.AddRange([option, value]);
        }

        return [.. list];
    }

    [Fact]
    public void Scenes_are_listed_with_their_phases_lattices_and_zone_axes()
    {
        var (code, stdout, stderr) = CliRunner.Run("twin", "scenes", "--json");
        Assert.True(code == 0, stderr);
        var scenes = JsonNode.Parse(stdout)!["scenes"]!.AsArray();
        Assert.Equal(["polycrystal", "oxide-interface", "precipitates", "nanoparticles"], scenes.Select(s => s!["name"]!.GetValue<string>()));
        foreach (var s in scenes)
        {
            Assert.False(string.IsNullOrEmpty(s!["description"]!.GetValue<string>()));
            _ = s["strained"]!.GetValue<bool>();
            var crystals = s["phases"]!.AsArray().Where(p => p!["lattice"] is not null).ToList();
            Assert.NotEmpty(crystals);
            foreach (var p in crystals)
            {
                Assert.True(p!["id"]!.GetValue<int>() > 0);
                foreach (var k in new[] { "a", "b", "c" })
                {
                    Assert.InRange(p["lattice"]![k]!.GetValue<double>(), 0.2, 1.5);
                }

                Assert.Equal(90, p["lattice"]!["alpha"]!.GetValue<double>());
                Assert.Equal(3, p["zone_axis"]!.AsArray().Count);
            }
        }

        Assert.True(scenes.Single(s => s!["name"]!.GetValue<string>() == "oxide-interface")!["strained"]!.GetValue<bool>());
        Assert.Contains(scenes.SelectMany(s => s!["phases"]!.AsArray()), p => p!["name"]!.GetValue<string>() == "SrTiO3" && Math.Abs(p["lattice"]!["a"]!.GetValue<double>() - 0.3905) < 1e-9);
    }

    [Fact]
    public void Acquire_writes_calibrated_data_and_reports_its_cost()
    {
        var output = Path.Combine(_dir, "scan.emd");
        var (code, stdout, stderr) = CliRunner.Run("twin", "acquire", "--scene", "precipitates", "--seed", "3", "--mode", "4dstem", "--center", "-600,-600", "--fov", "20",
            "--pixels", "16", "--dwell-us", "500", "--camera-pixels", "64", "--convergence-mrad", "2", "--camera-length-mm", "150", "-o", output, "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!;
        Assert.Equal(output, doc["output"]!.GetValue<string>());
        Assert.True(doc["elapsed_s"]!.GetValue<double>() > 0);
        // 256 positions × max(500 µs dwell, camera frame) + 15 flybacks of 300 µs.
        Assert.Equal((256 * 500e-6) + (15 * 300e-6), doc["instrument_time_s"]!.GetValue<double>(), 9);
        double electrons = 20e-12 * 500e-6 / 1.602176634e-19;
        Assert.Equal(electrons / (Math.Pow(20.0 / 16, 2) * 100), doc["dose_e_per_a2"]!.GetValue<double>(), 6);

        using var file = FormatRegistry.Open(output);
        var ds = file.Datasets[0];
        Assert.Equal("(16, 16 | 64, 64)", ds.Shape.ToString());
        Assert.Equal("nm", ds.Axes[0].Units);
        Assert.Equal(20.0 / 16, ds.Axes[1].Scale, 9);
        Assert.Equal("mrad", ds.Axes[3].Units);
        Assert.Equal(14.08 / 64 / 150 * 1e3, ds.Axes[3].Scale, 9);
        Assert.Equal(200, ds.Metadata.BeamEnergyKeV);
        Assert.Equal(2, ds.Metadata.ConvergenceAngleMrad);
        Assert.Equal(150, ds.Metadata.CameraLengthMm);
        Assert.Equal(20, ds.OriginalMetadata.GetDouble("instrument", "probe_current_pa"));

        // The file feeds the analyses: a virtual bright-field image.
        var vi = Path.Combine(_dir, "vi.emd");
        (code, _, stderr) = CliRunner.Run("virtual-image", output, "--annulus", "0:3", "--mrad", "-o", vi);
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void Truth_holds_the_named_maps_and_its_haadf_is_the_noise_free_acquisition()
    {
        var truth = Path.Combine(_dir, "truth.emd");
        var (code, stdout, stderr) = CliRunner.Run("twin", "truth", "--scene", "oxide-interface", "--seed", "2", "--center", "0,0", "--fov", "6", "--pixels", "48", "-o", truth, "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("interface", JsonNode.Parse(stdout)!["features"]!.AsArray().Select(f => f!["kind"]!.GetValue<string>()));
        using var file = FormatRegistry.Open(truth);
        var titles = file.Datasets.Select(d => d.Metadata.Title ?? d.Name).ToList();
        foreach (var t in new[] { "phase", "strain exx", "strain eyy", "strain exy", "rotation", "thickness", "composition Sr", "composition Ti", "composition La", "composition O" })
        {
            Assert.Contains(t, titles);
        }

        float[] Values(Condenser.Data.EmDataset d) => MemoryMarshal.Cast<byte, float>(d.ReadAll()).ToArray();
        var phase = Values(file.Datasets.First(d => (d.Metadata.Title ?? d.Name) == "phase"));
        Assert.Contains(1f, phase);
        Assert.Contains(2f, phase);
        var exx = Values(file.Datasets.First(d => (d.Metadata.Title ?? d.Name) == "strain exx"));
        Assert.Contains(exx, v => Math.Abs(v - ((0.3905 / 0.3790) - 1)) < 1e-6); // the film, coherent on the substrate

        var acquired = Path.Combine(_dir, "haadf.emd");
        (code, _, stderr) = CliRunner.Run("twin", "acquire", "--scene", "oxide-interface", "--seed", "2", "--mode", "haadf", "--center", "0,0", "--fov", "6", "--pixels", "48", "--ideal", "-o", acquired);
        Assert.True(code == 0, stderr);
        using var a = FormatRegistry.Open(acquired);
        var haadf = file.Datasets.First(d => (d.Metadata.Title ?? d.Name).StartsWith("haadf", StringComparison.Ordinal));
        Assert.Equal(Values(a.Datasets[0]), Values(haadf));
        Assert.Equal(a.Datasets[0].Axes, haadf.Axes);
    }

    [Fact]
    public void Acquire_writes_the_format_its_output_s_extension_names()
    {
        var output = Path.Combine(_dir, "scan.raw");
        var (code, _, stderr) = CliRunner.Run("twin", "acquire", "--mode", "4dstem", "--fov", "10", "--pixels", "6", "--camera-pixels", "32", "-o", output);
        Assert.True(code == 0, stderr);
        using var file = FormatRegistry.Open(output);
        Assert.Equal("(6, 6 | 32, 32)", file.Datasets[0].Shape.ToString());
        Assert.Equal("mrad", file.Datasets[0].Axes[3].Units);
    }

    [Theory]
    [InlineData("--mode", "xray", "--mode 'xray'")]
    [InlineData("--center", "ten", "--center 'ten'")]
    [InlineData("--scene", "moon", "no scene 'moon'")]
    [InlineData("--kv", "250", "optics.high_tension_kv")]
    [InlineData("--pixels", "0", "scan.pixels_x")]
    public void Bad_input_is_refused_with_a_message_naming_it(string option, string value, string message)
    {
        var args = new List<string> { "twin", "acquire", "--mode", "haadf", "--fov", "10", "--pixels", "8", "-o", Path.Combine(_dir, "x.emd") };
        var (code, _, stderr) = CliRunner.Run(TwinCommandTests.WithOption(args, option, value));
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "x.emd")));
    }
}

/// <summary>The autopilot's command line: a run folder with its map, positions, log and figures; resume; refusals.</summary>
public sealed class AutopilotCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-autopilot-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_run_writes_its_folder_and_reports_its_cost_and_error()
    {
        var run = Path.Combine(_dir, "run");
        var (code, stdout, stderr) = CliRunner.Run("autopilot", "run", "--scene", "nanoparticles", "--seed", "2", "--policy", "sobol", "--fraction", "0.25", "--grid", "24", "--fov", "100", "--convergence-mrad", "2", "-o", run, "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!;
        Assert.Equal(144, doc["probes"]!.GetValue<int>());
        Assert.True(doc["dose_e_per_a2"]!.GetValue<double>() > 0);
        Assert.True(doc["instrument_time_s"]!.GetValue<double>() > 0);
        Assert.True(doc["decisions"]!.GetValue<int>() >= 1);
        Assert.True(doc["mean_decision_ms"]!.GetValue<double>() >= 0);
        Assert.InRange(doc["nrmse"]!.GetValue<double>(), 0, 10);
        foreach (var f in new[] { "map.emd", "positions.csv", "log.jsonl", "report.png", "run.json", "uncertainty.png", "decisions.png", "positions.png" })
        {
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        }

        using (var map = FormatRegistry.Open(Path.Combine(run, "map.emd")))
        {
            Assert.Equal("map", map.Datasets[0].Metadata.Title ?? map.Datasets[0].Name);
            Assert.Equal([24, 24], map.Datasets[0].Shape.Signal);
            Assert.Empty(map.Datasets[0].Shape.Navigation);
            Assert.Equal("nm", map.Datasets[0].Axes[0].Units);
        }

        Assert.Equal(145, File.ReadAllLines(Path.Combine(run, "positions.csv")).Length);

        // Resuming a finished run acquires nothing more and gives the same map.
        var before = File.ReadAllBytes(Path.Combine(run, "log.jsonl"));
        (code, stdout, stderr) = CliRunner.Run("autopilot", "resume", run, "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(144, JsonNode.Parse(stdout)!["probes"]!.GetValue<int>());
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(run, "log.jsonl")));
    }

    [Fact]
    public void A_strain_run_maps_patterns_at_its_probes_and_scores_them_against_the_twin_s_field()
    {
        // Beside the largest θ′ plate of the precipitates scene (seed 1), where the twin imposes its strain field.
        var run = Path.Combine(_dir, "strain");
        var (code, stdout, stderr) = CliRunner.Run("autopilot", "run", "--scene", "precipitates", "--seed", "1", "--policy", "gp-ucb", "--target", "strain", "--strain-component", "exx", "--fraction", "0.4", "--grid", "12",
            "--fov", "40", "--center", "35.57,-315.2", "--dwell-us", "1000", "--convergence-mrad", "1.5", "-o", run, "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!;
        Assert.Equal(58, doc["probes"]!.GetValue<int>());
        Assert.InRange(doc["nrmse"]!.GetValue<double>(), 0, 10);
        Assert.True(File.Exists(Path.Combine(run, "strain.json")));
        using var map = FormatRegistry.Open(Path.Combine(run, "map.emd"));
        Assert.Contains("strain", map.Datasets[0].Metadata.Technique);
        Assert.Contains("\"exx\"", File.ReadAllText(Path.Combine(run, "run.json")));
        var values = File.ReadAllLines(Path.Combine(run, "positions.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        // Matrix patterns index: most probes hold a strain of at most a few per cent.
        Assert.True(values.Count(v => double.IsFinite(v) && Math.Abs(v) < 0.05) > values.Count / 2, string.Join(" ", values));
    }

    [Fact]
    public void A_campaign_for_features_writes_them_and_scores_them_against_the_scene()
    {
        var run = Path.Combine(_dir, "features");
        var (code, stdout, stderr) = CliRunner.Run("autopilot", "run", "--scene", "nanoparticles", "--seed", "3", "--policy", "campaign", "--target", "features", "--fraction", "0.2", "--grid", "64", "--fov", "200", "--convergence-mrad", "2", "-o", run, "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!;
        Assert.Equal(819, doc["probes"]!.GetValue<int>());
        int truth = doc["truth_features"]!.GetValue<int>();
        Assert.True(truth > 0);
        Assert.InRange(doc["recall"]!.GetValue<double>(), 0, 1);
        var lines = File.ReadAllLines(Path.Combine(run, "features.csv"));
        Assert.Equal("x_nm,y_nm,radius_nm,positions,peak", lines[0]);
        Assert.Equal(doc["features"]!.GetValue<int>(), lines.Length - 1);
        var log = File.ReadAllLines(Path.Combine(run, "log.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.StartsWith("survey", (string)log[0]["reason"]!["rule"]!);
        Assert.Contains(log, l => ((string?)l["reason"]?["rule"])?.StartsWith("target", StringComparison.Ordinal) == true);
        using var map = FormatRegistry.Open(Path.Combine(run, "map.emd"));
        Assert.Equal(["map", "uncertainty"], map.Datasets.Select(d => d.Metadata.Title ?? d.Name));
    }

    [Fact]
    public void A_recorded_scan_is_the_microscope_and_its_own_ground_truth()
    {
        var file = Path.Combine(_dir, "recorded.emd");
        var (code, stdout, stderr) = CliRunner.Run("twin", "acquire", "--mode", "4dstem", "--scene", "nanoparticles", "--seed", "3", "--pixels", "16", "--camera-pixels", "32", "--fov", "60", "--convergence-mrad", "2", "--dwell-us", "1000", "-o", file);
        Assert.True(code == 0, stderr);

        // At the recording's own dwell a raster reads the frames as recorded: no error against them at all.
        var whole = Path.Combine(_dir, "whole");
        (code, stdout, stderr) = CliRunner.Run("autopilot", "run", "--recorded", file, "--recorded-current-pa", "20", "--recorded-dwell-us", "1000", "--dwell-us", "1000", "--detector-angles", "10,60", "--policy", "raster", "--fraction", "1", "-o", whole, "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!;
        Assert.Equal(256, doc["probes"]!.GetValue<int>());
        Assert.Equal(0, doc["nrmse"]!.GetValue<double>());

        // A fifth of the dose: frames thinned, the map near the recording's but not equal to it; resumable from its folder.
        var sparse = Path.Combine(_dir, "sparse");
        (code, stdout, stderr) = CliRunner.Run("autopilot", "run", "--recorded", file, "--recorded-dwell-us", "1000", "--dwell-us", "200", "--detector-angles", "10,60", "--policy", "gp-variance", "--fraction", "0.25", "--grid", "99", "-o", sparse, "--json");
        Assert.True(code == 0, stderr);
        doc = JsonNode.Parse(stdout)!;
        Assert.Equal(64, doc["probes"]!.GetValue<int>());
        // Below 1: better than the map's mean. (The 10–60 mrad map of this 16×16 scan on a 32-pixel camera is mostly
        // counting noise at a fifth of the dose; its NRMSE moves with the detected disk centre by a pixel.)
        Assert.InRange(doc["nrmse"]!.GetValue<double>(), 1e-6, 1.0);
        (code, stdout, stderr) = CliRunner.Run("autopilot", "resume", sparse, "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(doc["nrmse"]!.GetValue<double>(), JsonNode.Parse(stdout)!["nrmse"]!.GetValue<double>());

        // More dose than was recorded cannot be made up: the run stops with the reason.
        (code, stdout, stderr) = CliRunner.Run("autopilot", "run", "--recorded", file, "--recorded-dwell-us", "1000", "--dwell-us", "5000", "--policy", "raster", "-o", Path.Combine(_dir, "over"), "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("more dose than was recorded", JsonNode.Parse(stdout)!["stopped"]!.GetValue<string>());
    }

    [Fact]
    public void A_run_recorded_in_the_library_warm_starts_the_next_one_and_says_which_records_it_rests_on()
    {
        var library = Path.Combine(_dir, "library");
        string[] common = ["--scene", "nanoparticles", "--policy", "gp-variance", "--fraction", "0.2", "--grid", "24", "--fov", "100", "--convergence-mrad", "2", "--json"];
        var (code, stdout, stderr) = CliRunner.Run(["autopilot", "run", "--seed", "2", "--library", library, "-o", Path.Combine(_dir, "past"), .. common]);
        Assert.True(code == 0, stderr);
        var recorded = JsonNode.Parse(stdout)!["library"]!;
        Assert.Equal("ingested", recorded["status"]!.GetValue<string>());
        string mapId = recorded["ids"]![0]!.GetValue<string>();

        var warm = Path.Combine(_dir, "warm");
        (code, stdout, stderr) = CliRunner.Run(["autopilot", "run", "--seed", "3", "--warm-start", library, "-o", warm, .. common]);
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!;
        var evidence = doc["warm_start"]!["records"]!.AsArray();
        Assert.Equal(mapId, evidence.Single()!["id"]!.GetValue<string>());
        Assert.Equal("nanoparticles", evidence[0]!["sample"]!.GetValue<string>());
        Assert.Equal(115, doc["probes"]!.GetValue<int>());
        var first = JsonNode.Parse(File.ReadAllLines(Path.Combine(warm, "log.jsonl"))[0])!;
        Assert.Equal(mapId, first["reason"]!["warm_start"]![0]!.GetValue<string>());
        Assert.Single(first["positions"]!.AsArray()); // no seed: the past model decides from the first probe
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(Path.Combine(warm, "run.json")))!["prior"]);

        // Another sample finds nothing alike: a cold start, said so.
        (code, stdout, stderr) = CliRunner.Run(["autopilot", "run", "--seed", "3", "--warm-start", library, "--sample", "steel", "-o", Path.Combine(_dir, "cold"), .. common]);
        Assert.True(code == 0, stderr);
        Assert.Contains("cold start", JsonNode.Parse(stdout)!["warm_start"]!.GetValue<string>());

        // A strain run of the same sample learns nothing from a HAADF map's kernel: a cold start too.
        (code, stdout, stderr) = CliRunner.Run("autopilot", "run", "--scene", "nanoparticles", "--seed", "3", "--policy", "gp-variance", "--target", "strain", "--fraction", "0.5", "--grid", "6", "--fov", "20",
            "--camera-pixels", "64", "--warm-start", library, "-o", Path.Combine(_dir, "strain-cold"), "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("cold start", JsonNode.Parse(stdout)!["warm_start"]!.GetValue<string>());
    }

    [Fact]
    public void A_run_killed_with_sigkill_resumes_to_the_map_of_an_uninterrupted_run()
    {
        var file = Path.Combine(_dir, "recorded-kill.emd");
        var (code, stdout, stderr) = CliRunner.Run("twin", "acquire", "--mode", "4dstem", "--scene", "nanoparticles", "--seed", "4", "--pixels", "32", "--camera-pixels", "32", "--fov", "80", "--convergence-mrad", "2", "--dwell-us", "1000", "-o", file);
        Assert.True(code == 0, stderr);
        string[] run = ["autopilot", "run", "--recorded", file, "--recorded-dwell-us", "1000", "--dwell-us", "300", "--detector-angles", "10,60", "--policy", "gp-variance", "--fraction", "0.5"];
        var whole = Path.Combine(_dir, "uninterrupted");
        (code, _, stderr) = CliRunner.Run([.. run, "-o", whole]);
        Assert.True(code == 0, stderr);

        // The same run, killed (SIGKILL) once it has logged 30 decisions, then resumed by a new process.
        var killed = Path.Combine(_dir, "killed");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "condenser.dll"), .. run, "-o", killed])
        {
            psi.ArgumentList.Add(a);
        }

        using (var p = System.Diagnostics.Process.Start(psi)!)
        {
            _ = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            var log = Path.Combine(killed, "log.jsonl");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while ((!File.Exists(log) || File.ReadAllLines(log).Length < 30) && !p.HasExited && clock.Elapsed.TotalSeconds < 120)
            {
                Thread.Sleep(5);
            }

            Assert.False(p.HasExited, "the run ended before it could be killed");
            p.Kill();
            p.WaitForExit();
        }

        int before = File.ReadAllLines(Path.Combine(killed, "log.jsonl")).Length;
        Assert.InRange(before, 30, 400);
        (code, stdout, stderr) = CliRunner.Run("autopilot", "resume", killed, "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(512, JsonNode.Parse(stdout)!["probes"]!.GetValue<int>());
        var positions = File.ReadAllLines(Path.Combine(killed, "positions.csv")).Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.Equal(positions.Count, positions.Distinct().Count());
        using var a0 = FormatRegistry.Open(Path.Combine(whole, "map.emd"));
        using var b0 = FormatRegistry.Open(Path.Combine(killed, "map.emd"));
        Assert.Equal(a0.Datasets[0].ReadAll(), b0.Datasets[0].ReadAll());
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "positions.csv")), File.ReadAllText(Path.Combine(killed, "positions.csv")));
    }

    [Fact]
    public void The_bench_scores_every_policy_and_the_raster_against_the_truth()
    {
        var (code, stdout, stderr) = CliRunner.Run("autopilot", "bench", "--scene", "nanoparticles", "--seeds", "1..1", "--grid", "12", "--fov", "40", "--json");
        Assert.True(code == 0, stderr);
        var rows = JsonNode.Parse(stdout)!["rows"]!.AsArray();
        Assert.Equal(["raster", "raster (GP-smoothed)", "Random", "Sobol", "GpVariance", "GpUcb", "GpEi", "Campaign", "Sobol (TV)"], rows.Select(r => r!["policy"]!.GetValue<string>()));
        Assert.All(rows, r => Assert.InRange(r!["nrmse_mean"]!.GetValue<double>(), 0, 5));
        Assert.All(rows, r => Assert.InRange(r!["recall_mean"]!.GetValue<double>(), 0, 1));
        Assert.Equal(144, rows[0]!["probes"]!.GetValue<int>());
        Assert.Equal(29, rows[2]!["probes"]!.GetValue<int>());
    }

    [Fact]
    public void The_warm_start_bench_sets_cold_and_warm_runs_side_by_side()
    {
        var (code, stdout, stderr) = CliRunner.Run("autopilot", "bench", "--warm-start", "--scene", "nanoparticles", "--seeds", "1..1", "--grid", "16", "--fov", "40", "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!;
        Assert.Equal(3, doc["past_runs"]!.AsArray().Count);
        Assert.All(doc["past_runs"]!.AsArray(), p => Assert.NotNull(p!["record"]));
        var row = doc["rows"]![0]!;
        int n = doc["fractions"]!.AsArray().Count;
        Assert.Equal(n, row["cold_nrmse"]!.AsArray().Count);
        Assert.Equal(n, row["warm_nrmse"]!.AsArray().Count);
        Assert.All(row["warm_nrmse"]!.AsArray(), e => Assert.InRange(e!.GetValue<double>(), 0, 5));
    }

    [Theory]
    [InlineData("--policy", "magic", "--policy 'magic'")]
    [InlineData("--target", "phase", "not built yet")]
    [InlineData("--strain-component", "shear", "give one of magnitude")]
    [InlineData("--fraction", "2", "--fraction 2")]
    [InlineData("--detector-angles", "70", "--detector-angles '70'")]
    [InlineData("--reconstruction", "magic", "give gp or tv")]
    [InlineData("--detector-angles", "90,20", "0 ≤ inner < outer")]
    public void Bad_options_are_refused_with_a_message(string option, string value, string message)
    {
        var args = new List<string> { "autopilot", "run", "--policy", "raster", "--grid", "8", "-o", Path.Combine(_dir, "bad") };
        var (code, _, stderr) = CliRunner.Run(TwinCommandTests.WithOption(args, option, value));
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }
}
