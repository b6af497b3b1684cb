using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;

namespace Condenser.Acquisition.Tests;

/// <summary>The strain target: a pattern at each probe, the strain of its lattice against the run's reference, the twin's imposed field recovered; a resumed run measures against the same reference.</summary>
public sealed class AutopilotStrainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-autopilot-strain-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly SceneFeature Plate = Scenes.Create("precipitates", 1).Features
        .Where(f => f.Kind == "precipitate" && Math.Abs(f.XNm) < 500 && Math.Abs(f.YNm) < 500).OrderByDescending(f => f.SizeNm).First();

    private static AutopilotOptions Options(PolicyKind policy, double fraction, string component) => new()
    {
        Policy = policy, Fraction = fraction, Grid = 16, FovNm = 40, CenterXNm = Plate.XNm, CenterYNm = Plate.YNm, DwellUs = 1000, Seed = 3,
        Target = "strain", StrainComponent = component,
    };

    private static async Task<DigitalTwin.DigitalTwin> Twin()
    {
        var twin = new DigitalTwin.DigitalTwin(new TwinOptions { Scene = "precipitates", Seed = 1 } with { DriftNmPerS = 0, Damage = false });
        await twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 1.5 });
        return twin;
    }

    [Fact]
    public async Task A_raster_of_patterns_across_a_plate_recovers_the_strain_the_twin_imposed()
    {
        var o = Options(PolicyKind.Raster, 1, "exx");
        var dir = Path.Combine(_dir, "raster");
        AutopilotResult r;
        await using (var twin = await Twin())
        {
            r = await AutopilotRun.RunAsync(twin, o, dir);
        }

        var scene = Scenes.Create("precipitates", 1);
        var reference = StrainTarget.ReferenceOf(dir);
        // The reference is the first acquisition's probes that indexed: the matrix, never the plate.
        Assert.NotEmpty(reference);
        Assert.All(reference, p =>
        {
            var (x, y) = o.Scan.Point(p / o.Grid, p % o.Grid);
            Assert.Equal(1, GroundTruth.At(scene, x, y).PhaseId);
        });
        var truth = StrainTarget.Truth(scene, o, reference);
        var scored = Enumerable.Range(0, truth.Length).Where(i => double.IsFinite(truth[i])).ToArray();
        Assert.True(scored.Length > truth.Length * 3 / 4, $"{scored.Length} of {truth.Length} positions lie on the reference's crystal");
        double rmsTruth = Math.Sqrt(scored.Average(i => truth[i] * truth[i]));
        double rmse = Math.Sqrt(scored.Average(i => (r.Map[i] - truth[i]) * (r.Map[i] - truth[i])));
        // The band along the plate carries strains of several 10⁻³; one pattern of 1.25·10⁵ electrons measures to ~10⁻³.
        Assert.True(rmsTruth > 2e-3, $"the field holds too little strain to test: rms {rmsTruth:E2}");
        Assert.True(rmse < 0.5 * rmsTruth, $"rmse {rmse:E2} against the truth's rms {rmsTruth:E2}");
        Assert.All(scored, i => Assert.True(double.IsFinite(r.Map[i])));
    }

    [Theory]
    [InlineData("magnitude")]
    [InlineData("rotation")]
    public void Components_follow_the_strain_tensor(string component)
    {
        // εxx = 3·10⁻³, εyy = −1·10⁻³, εxy = 2·10⁻³: principal strains 1 ± √(4 + 4)·10⁻³, the larger in magnitude 3.83·10⁻³.
        var e = new Condenser.Processing.FourDStem.Strain(3e-3, -1e-3, 2e-3, 0.01);
        double expected = component == "magnitude" ? 1e-3 + Math.Sqrt(8e-6) : 0.01;
        Assert.Equal(expected, StrainTarget.Value(e, component), 12);
    }

    [Fact]
    public async Task A_killed_strain_run_resumes_against_the_reference_it_set()
    {
        var o = Options(PolicyKind.GpVariance, 0.25, "magnitude");
        await using (var twin = await Twin())
        {
            await AutopilotRun.RunAsync(twin, o, Path.Combine(_dir, "whole"));
        }

        var whole = File.ReadAllLines(Path.Combine(_dir, "whole", "log.jsonl"));
        var killed = Path.Combine(_dir, "killed");
        Directory.CreateDirectory(killed);
        foreach (var f in new[] { "run.json", StrainTarget.File })
        {
            File.Copy(Path.Combine(_dir, "whole", f), Path.Combine(killed, f));
        }

        File.WriteAllText(Path.Combine(killed, "log.jsonl"), string.Join("\n", whole.Take(12)) + "\n");
        await using var fresh = await Twin();
        var resumed = await AutopilotRun.ResumeAsync(fresh, killed);
        await using var again = await Twin();
        var uninterrupted = await AutopilotRun.RunAsync(again, o, Path.Combine(_dir, "reference"));
        Assert.Equal(uninterrupted.Map, resumed.Map);
        Assert.Equal(StrainTarget.ReferenceOf(Path.Combine(_dir, "reference")), StrainTarget.ReferenceOf(killed));
        int replayed = whole.Take(12).Sum(l => JsonNode.Parse(l)!["positions"]!.AsArray().Count);
        // Only what the log did not hold was acquired again (20 pA for 1 ms a probe).
        Assert.Equal(o.Probes - replayed, (int)Math.Round((await fresh.GetStateAsync()).Budget.UsedElectrons / (20e-12 * 1000e-6 / DigitalTwin.DigitalTwin.ElectronCharge)));
        Assert.Equal(o.Probes, resumed.Visits.Select(v => v.Position).Distinct().Count());
    }
}
