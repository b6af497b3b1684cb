using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;

namespace Condenser.Acquisition.Tests;

/// <summary>The acquisition loop: it keeps to its probes and the instrument's budgets, logs every decision, and resumes from its log.</summary>
public sealed class AutopilotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-autopilot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AutopilotOptions Options(PolicyKind policy) => new() { Policy = policy, Fraction = 0.15, Grid = 32, FovNm = 120, Seed = 4 };

    private static async Task<DigitalTwin.DigitalTwin> Twin()
    {
        var twin = new DigitalTwin.DigitalTwin(new TwinOptions { Scene = "nanoparticles", Seed = 2 } with { DriftNmPerS = 0, Damage = false });
        await twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 2 });
        return twin;
    }

    [Theory]
    [InlineData(PolicyKind.Raster)]
    [InlineData(PolicyKind.Random)]
    [InlineData(PolicyKind.Sobol)]
    [InlineData(PolicyKind.GpVariance)]
    [InlineData(PolicyKind.GpUcb)]
    [InlineData(PolicyKind.GpEi)]
    [InlineData(PolicyKind.Campaign)]
    public async Task A_run_spends_its_probes_once_each_and_logs_every_decision(PolicyKind policy)
    {
        await using var twin = await Twin();
        var o = Options(policy);
        var run = Path.Combine(_dir, policy.ToString());
        var r = await AutopilotRun.RunAsync(twin, o, run);
        Assert.Equal(o.Probes, r.Visits.Count);
        Assert.Equal(r.Visits.Count, r.Visits.Select(v => v.Position).Distinct().Count());
        Assert.Null(r.Stopped);
        Assert.Equal(32 * 32, r.Map.Length);
        Assert.All(r.Map, v => Assert.True(double.IsFinite(v)));
        var lines = File.ReadAllLines(Path.Combine(run, "log.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(r.Decisions, lines.Count);
        Assert.All(lines, l => Assert.NotNull(l["reason"]!["policy"]));
        Assert.Equal(o.Probes, lines.Sum(l => l["positions"]!.AsArray().Count));
        var state = await twin.GetStateAsync();
        Assert.Equal(state.Budget.UsedElectrons, r.Electrons, r.Electrons * 1e-9);
        Assert.Equal(o.Probes * 20e-12 * 10e-6 / DigitalTwin.DigitalTwin.ElectronCharge, r.Electrons, r.Electrons * 1e-9);
        if (policy == PolicyKind.Raster)
        {
            Assert.Equal(Enumerable.Range(0, o.Probes), r.Visits.Select(v => v.Position));
        }

        if (policy == PolicyKind.Campaign)
        {
            Assert.StartsWith("survey", lines[0]["reason"]!["rule"]!.GetValue<string>());
            Assert.Equal(Policies.Survey(32, Policies.SurveyStride(o.Fraction)), lines[0]["positions"]!.AsArray().Select(n => (int)n!));
        }
        else if (Policies.UsesModel(policy))
        {
            Assert.Contains("Halton", lines[0]["reason"]!["rule"]!.GetValue<string>());
            Assert.NotNull(lines[^1]["reason"]!["acquisition_value"]);
        }
    }

    [Fact]
    public async Task A_killed_run_resumes_from_its_log_and_ends_with_the_same_map()
    {
        var o = Options(PolicyKind.GpVariance);
        await using (var twin = await Twin())
        {
            await AutopilotRun.RunAsync(twin, o, Path.Combine(_dir, "whole"));
        }

        var whole = File.ReadAllLines(Path.Combine(_dir, "whole", "log.jsonl"));
        // A run killed after 40 decisions, in the middle of writing the 41st line.
        var killed = Path.Combine(_dir, "killed");
        Directory.CreateDirectory(killed);
        File.Copy(Path.Combine(_dir, "whole", "run.json"), Path.Combine(killed, "run.json"));
        File.WriteAllText(Path.Combine(killed, "log.jsonl"), string.Join("\n", whole.Take(40)) + "\n" + whole[40][..(whole[40].Length / 2)]);
        await using var fresh = await Twin();
        var resumed = await AutopilotRun.ResumeAsync(fresh, killed);
        // Only the decisions after the 40th were acquired again; the map is the uninterrupted run's.
        var state = await fresh.GetStateAsync();
        int replayedProbes = whole.Take(40).Sum(l => JsonNode.Parse(l)!["positions"]!.AsArray().Count);
        Assert.Equal(o.Probes - replayedProbes, (int)Math.Round(state.Budget.UsedElectrons / (20e-12 * 10e-6 / DigitalTwin.DigitalTwin.ElectronCharge)));
        await using var again = await Twin();
        var reference = await AutopilotRun.RunAsync(again, o, Path.Combine(_dir, "reference"));
        Assert.Equal(reference.Map, resumed.Map);
        Assert.Equal(File.ReadAllLines(Path.Combine(_dir, "reference", "log.jsonl")).Select(Strip), File.ReadAllLines(Path.Combine(killed, "log.jsonl")).Select(Strip));
        await Assert.ThrowsAsync<IOException>(() => AutopilotRun.RunAsync(again, o, killed));
    }

    private static string Strip(string line)
    {
        var o = JsonNode.Parse(line)!.AsObject();
        o.Remove("decision_ms");
        return o.ToJsonString();
    }

    [Fact]
    public async Task The_instrument_s_budget_stops_a_run_with_its_reason()
    {
        await using var twin = await Twin();
        var o = Options(PolicyKind.Random) with { Fraction = 1, DoseBudgetEPerA2 = 1 };
        // One probe of 20 pA × 10 µs on a 3.75 nm pixel: 87 e⁻/Å²; the cells a batch covers go far over 1 e⁻/Å².
        var r = await AutopilotRun.RunAsync(twin, o, Path.Combine(_dir, "budget"));
        Assert.NotNull(r.Stopped);
        Assert.Contains("budget.max_dose_per_area_e_per_a2", File.ReadAllText(Path.Combine(_dir, "budget", "log.jsonl")));
        Assert.Empty(r.Visits);
        Assert.Equal(0, (await twin.GetStateAsync()).Acquisitions);
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Contains("phase", Assert.Throws<ArgumentException>(() => (Options(PolicyKind.Raster) with { Target = "phase" }).Check()).Message);
        Assert.Contains("magnitude", Assert.Throws<ArgumentException>(() => (Options(PolicyKind.Raster) with { Target = "strain", StrainComponent = "shear" }).Check()).Message);
        Assert.Throws<ArgumentException>(() => (Options(PolicyKind.Raster) with { Fraction = 0 }).Check());
        Assert.Throws<ArgumentException>(() => (Options(PolicyKind.Raster) with { Grid = 2 }).Check());
        Assert.Throws<ArgumentException>(() => (Options(PolicyKind.Raster) with { DoseBudgetEPerA2 = -1 }).Check());
    }

    [Fact]
    public async Task A_fresh_twin_draws_the_same_noise_for_the_same_acquisition_and_a_repeat_draws_anew()
    {
        var request = Twins.Request(DetectorKind.Haadf, 0, 0, 50, 32);
        await using var a = new DigitalTwin.DigitalTwin(new TwinOptions { Scene = "polycrystal" } with { DriftNmPerS = 0 });
        var first = (await a.AcquireAsync(request)).Datasets[0].ReadAll();
        var repeat = (await a.AcquireAsync(request)).Datasets[0].ReadAll();
        Assert.NotEqual(first, repeat);
        await using var b = new DigitalTwin.DigitalTwin(new TwinOptions { Scene = "polycrystal" } with { DriftNmPerS = 0 });
        await b.AcquireAsync(request with { Scan = request.Scan with { CenterXNm = 300 } }); // history that does not matter
        Assert.Equal(first, (await b.AcquireAsync(request)).Datasets[0].ReadAll());
    }
}
