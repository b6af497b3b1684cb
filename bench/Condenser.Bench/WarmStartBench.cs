using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Catalog;
using Condenser.Catalog.Access;
using Condenser.Catalog.Priors;

namespace Condenser.Bench;

/// <summary>
/// The measurement behind <c>condenser autopilot bench --warm-start</c>: a library of past Gaussian-process runs on
/// other regions of the same kind of sample (seeds of the same scene the test seeds do not use), then, on each test
/// seed, cold and warm-started gp-variance runs at growing fractions of the raster's probes, each scored against the
/// twin's truth beside the full raster's own error. The target of a seed is 1.5 × the cold run's error at the largest
/// fraction (where a cold start ends, with some slack); "fraction to target" is the smallest fraction tried whose
/// map is at least that good.
/// </summary>
public static class WarmStartBench
{
    /// <summary>Fractions of the raster's probes tried.</summary>
    public static readonly double[] Fractions = [0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2];

    /// <summary>Runs the comparison (JSON).</summary>
    public static async Task<JsonObject> RunAsync(string scene, int firstSeed, int lastSeed, int grid, double fovNm, double convergenceMrad, double dwellUs, int pastRuns = 3)
    {
        var optics = new OpticsChange { ConvergenceMrad = convergenceMrad };
        var root = Directory.CreateTempSubdirectory("condenser-warm-bench-").FullName;
        try
        {
            using var library = Library.Open(Path.Combine(root, "library"));
            var past = new JsonArray();
            for (int k = 0; k < pastRuns; k++)
            {
                // Past experiments: seeds far from the test seeds, the same kind of sample.
                int seed = 1000 + k;
                var (r, o, instrument, state) = await RunOnce(scene, seed, grid, fovNm, optics, dwellUs, 0.2, null, Path.Combine(root, $"past-{k}"));
                var map = Path.Combine(root, $"past-{k}", "map.emd");
                RunMap.Write(map, o, r, instrument, state.Optics);
                var outcome = RunRecords.Record(library, Principal.Local, map, scene, [], "past run");
                past.Add(new JsonObject { ["seed"] = seed, ["record"] = outcome.Ids.FirstOrDefault(), ["length_scales_nm"] = new JsonArray(r.Model!.LengthScalesNm.Select(v => (JsonNode)Math.Round(v, 3)).ToArray()) });
            }

            var rows = new JsonArray();
            for (int seed = firstSeed; seed <= lastSeed; seed++)
            {
                var (cx, cy) = AutopilotBench.FieldCenter(scene, seed);
                var truth = await GroundTruth.HaadfAsync(new TwinOptions { Scene = scene, Seed = (ulong)seed }, cx, cy, fovNm, grid, dwellUs, optics);
                var (raster, ro, instrument, _) = await RunOnce(scene, seed, grid, fovNm, optics, dwellUs, 1, null, Path.Combine(root, $"raster-{seed}"));
                double rasterError = AutopilotRun.Nrmse(raster.Map, truth);
                var prior = ModelPriors.Propose(new LibraryPriors(library, Principal.Local), new PriorQuery(scene, instrument, [], dwellUs))
                    ?? throw new InvalidOperationException("the bench's library proposed nothing");
                var cold = new JsonArray();
                var warm = new JsonArray();
                foreach (double f in Fractions)
                {
                    var (c, _, _, _) = await RunOnce(scene, seed, grid, fovNm, optics, dwellUs, f, null, Path.Combine(root, $"cold-{seed}-{f}"));
                    var (w, _, _, _) = await RunOnce(scene, seed, grid, fovNm, optics, dwellUs, f, prior, Path.Combine(root, $"warm-{seed}-{f}"));
                    cold.Add(Math.Round(AutopilotRun.Nrmse(c.Map, truth), 4));
                    warm.Add(Math.Round(AutopilotRun.Nrmse(w.Map, truth), 4));
                }

                double target = 1.5 * (double)cold[^1]!;
                double? Reach(JsonArray errors) => Fractions.Zip(errors.Select(e => (double)e!)).Where(p => p.Second <= target).Select(p => (double?)p.First).FirstOrDefault();
                rows.Add(new JsonObject
                {
                    ["seed"] = seed,
                    ["raster_nrmse"] = Math.Round(rasterError, 4),
                    ["cold_nrmse"] = cold,
                    ["warm_nrmse"] = warm,
                    ["target_nrmse"] = Math.Round(target, 4),
                    ["cold_fraction_to_target"] = Reach(cold),
                    ["warm_fraction_to_target"] = Reach(warm),
                });
            }

            return new JsonObject
            {
                ["scene"] = scene,
                ["seeds"] = $"{firstSeed}..{lastSeed}",
                ["grid"] = grid,
                ["fov_nm"] = fovNm,
                ["convergence_mrad"] = convergenceMrad,
                ["dwell_us"] = dwellUs,
                ["policy"] = nameof(PolicyKind.GpVariance),
                ["fractions"] = new JsonArray(Fractions.Select(f => (JsonNode)f).ToArray()),
                ["past_runs"] = past,
                ["rows"] = rows,
            };
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<(AutopilotResult Result, AutopilotOptions Options, string Instrument, InstrumentState State)> RunOnce(string scene, int seed, int grid, double fovNm, OpticsChange optics, double dwellUs, double fraction, ModelPrior? prior, string dir)
    {
        var (x, y) = AutopilotBench.FieldCenter(scene, seed);
        await using var twin = new DigitalTwin(new TwinOptions { Scene = scene, Seed = (ulong)seed });
        await twin.SetOpticsAsync(optics);
        var o = new AutopilotOptions
        {
            Policy = fraction >= 1 ? PolicyKind.Raster : PolicyKind.GpVariance,
            Fraction = fraction,
            Grid = grid,
            FovNm = fovNm,
            CenterXNm = x,
            CenterYNm = y,
            DwellUs = dwellUs,
            Seed = (ulong)seed,
            Prior = prior,
        };
        var r = await AutopilotRun.RunAsync(twin, o, dir);
        return (r, o, (await twin.DescribeAsync()).Name, await twin.GetStateAsync());
    }
}
