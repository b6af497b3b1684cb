using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Data;
using Condenser.Learning.GaussianProcesses;

namespace Condenser.Acquisition.Tests;

/// <summary>Warm starts: past runs matched by sample, instrument and elements, combined and scaled to the run's dwell.</summary>
public sealed class PriorTests
{
    private sealed class Past(params (string Id, string? Sample, string Instrument, string[] Elements, RunModel Model)[] runs) : IPriorSource
    {
        public IEnumerable<(string RecordId, string? Sample, string Instrument, IReadOnlyList<string> Elements, RunModel Model)> PastRuns() =>
            runs.Select(r => (r.Id, r.Sample, r.Instrument, (IReadOnlyList<string>)r.Elements, r.Model));
    }

    private static RunModel Model(double length, double dwell = 10) => new(KernelKind.Matern52, [length, 2 * length], 100, 4, 20, dwell);

    [Fact]
    public void The_most_alike_runs_are_combined_and_scaled_to_the_run_s_dwell()
    {
        var source = new Past(
            ("a", "Au on C", "Titan (A)", ["Au", "C"], Model(4)),
            ("b", "au on c", "Titan (B)", ["Au"], Model(16)),
            ("c", "steel", "Titan (A)", ["Fe"], Model(100)),
            ("d", "steel", "Other", ["Fe"], Model(1000)));
        var prior = ModelPriors.Propose(source, new PriorQuery("Au on C", "Titan (A)", ["Au", "C"], DwellUs: 20))!;
        // a: 4 + 2 + 2 = 8; b: 4 + 1 + 1 = 6; c: the same instrument alone, 2; d: nothing alike, 0 (left out).
        Assert.Equal(["a", "b", "c"], prior.Evidence.Select(e => e.RecordId));
        Assert.Equal([8, 6, 2], prior.Evidence.Select(e => e.Score));
        // Length scales: the geometric mean (4 · 16 · 100)^(1/3); doubled dwell: mean × 2, signal variance × 4, noise × 2.
        Assert.Equal(Math.Cbrt(4 * 16 * 100), prior.Model.LengthScalesNm[0], 1e-9);
        Assert.Equal(2 * Math.Cbrt(4 * 16 * 100), prior.Model.LengthScalesNm[1], 1e-9);
        Assert.Equal(400, prior.Model.SignalVariance, 1e-9);
        Assert.Equal(8, prior.Model.NoiseVariance, 1e-9);
        Assert.Equal(40, prior.Model.Mean, 1e-9);
        Assert.Equal(20, prior.Model.DwellUs);
    }

    [Fact]
    public void Nothing_alike_is_a_cold_start()
    {
        var source = new Past(("a", "steel", "Other (X)", ["Fe"], Model(4)), ("b", null, "Titan", [], Model(4)));
        Assert.Null(ModelPriors.Propose(source, new PriorQuery("Au on C", "Titan (A)", ["Au"], 10)));
        Assert.Null(ModelPriors.Propose(new Past(), new PriorQuery("Au on C", "Titan (A)", ["Au"], 10)));
    }

    [Fact]
    public void A_model_round_trips_through_metadata_and_a_damaged_one_is_not_read()
    {
        var tree = new MetadataTree();
        var model = Model(7.5, 12);
        model.WriteInto(tree);
        var json = Condenser.Formats.MetadataJson.Tree(tree);
        var back = RunModel.FromJson(json)!;
        Assert.Equal(model.LengthScalesNm, back.LengthScalesNm);
        Assert.Equal(model with { LengthScalesNm = back.LengthScalesNm }, back);
        json[RunModel.Group]!["noise_variance"] = -1;
        Assert.Null(RunModel.FromJson(json));
        json[RunModel.Group]!["noise_variance"] = "many";
        Assert.Null(RunModel.FromJson(json));
        Assert.Null(RunModel.FromJson(new JsonObject()));
    }
}
