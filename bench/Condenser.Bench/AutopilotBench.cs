using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;

namespace Condenser.Bench;

/// <summary>
/// The measurements behind <c>condenser autopilot bench</c>: every policy over several seeds of a scene, each map
/// scored against the twin's noise-free HAADF (NRMSE: RMSE over the truth's mean), with the full raster beside them and the
/// raster's own shot noise averaged away as a second reference (the raster at the same dose, then smoothed by the same
/// Gaussian process as the sparse policies: what "the raster's error" means at a survey's dose). Each run's features
/// (<see cref="AutopilotResult.Features"/>) are scored against the scene's particles and precipitates in the field.
/// </summary>
public static class AutopilotBench
{
    /// <summary>The centre of a seed's field: its largest particle, precipitate or grain near the scene's centre, so that no seed maps an empty field.</summary>
    internal static (double X, double Y) FieldCenter(string scene, int seed) => Scenes.Create(scene, (ulong)seed).Features
        .Where(f => f.Kind is "particle" or "precipitate" or "grain" && Math.Abs(f.XNm) < 500 && Math.Abs(f.YNm) < 500)
        .OrderByDescending(f => f.SizeNm).Select(f => (f.XNm, f.YNm)).DefaultIfEmpty((0.0, 0.0)).First();

    /// <summary>Runs the table (JSON).</summary>
    /// <remarks>With no centre given, each seed's field is centred on its largest particle or precipitate near the scene's centre, so that no seed maps an empty field.</remarks>
    public static async Task<JsonObject> RunAsync(string scene, int firstSeed, int lastSeed, int grid, double fovNm, double fraction, double convergenceMrad, double dwellUs, (double X, double Y)? center, string target = "haadf", string component = "magnitude")
    {
        var policies = new[] { PolicyKind.Random, PolicyKind.Sobol, PolicyKind.GpVariance, PolicyKind.GpUcb, PolicyKind.GpEi, PolicyKind.Campaign };
        var scores = new Dictionary<string, List<(double Nrmse, double Dose, double Ms, int Probes, FeatureScore Features)>>();
        var optics = new OpticsChange { ConvergenceMrad = convergenceMrad };
        for (int seed = firstSeed; seed <= lastSeed; seed++)
        {
            var twinOptions = new TwinOptions { Scene = scene, Seed = (ulong)seed };
            var features = Scenes.Create(scene, (ulong)seed).Features;
            var (centerX, centerY) = center ?? FieldCenter(scene, seed);
            // A strain run's truth depends on the probes it took as its reference: scored per run below.
            var truth = target == "strain" ? null : await GroundTruth.HaadfAsync(twinOptions, centerX, centerY, fovNm, grid, dwellUs, optics);
            foreach (var (name, kind, f) in new[] { ("raster", PolicyKind.Raster, 1.0), ("raster (GP-smoothed)", PolicyKind.Raster, 1.0) }.Concat(policies.Select(p => (p.ToString(), p, fraction))).Append(("Sobol (TV)", PolicyKind.Sobol, fraction)))
            {
                await using var twin = new DigitalTwin(twinOptions);
                await twin.SetOpticsAsync(optics);
                var dir = Directory.CreateTempSubdirectory("condenser-autopilot-bench-").FullName;
                try
                {
                    var o = new AutopilotOptions { Policy = kind, Fraction = f, Grid = grid, FovNm = fovNm, CenterXNm = centerX, CenterYNm = centerY, DwellUs = dwellUs, Seed = (ulong)seed, Reconstruction = name.EndsWith("(TV)", StringComparison.Ordinal) ? "tv" : "gp", Target = target, StrainComponent = component };
                    var sw = Stopwatch.StartNew();
                    var r = await AutopilotRun.RunAsync(twin, o, dir);
                    var map = name == "raster (GP-smoothed)" ? AutopilotRun.Smooth(o, r) : r.Map;
                    if (!scores.TryGetValue(name, out var list))
                    {
                        scores[name] = list = [];
                    }

                    var against = truth ?? StrainTarget.Truth(Scenes.Create(scene, (ulong)seed), o, StrainTarget.ReferenceOf(dir));
                    list.Add((AutopilotRun.Nrmse(map, against), r.DosePerArea(o), r.MeanDecisionMs, r.Visits.Count, FeatureDetection.Score(r.Features(o), features, o)));
                }
                finally
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }

        var rows = new JsonArray();
        var raster = scores["raster"];
        var smoothed = scores["raster (GP-smoothed)"];
        foreach (var (name, list) in scores)
        {
            // A map the truth cannot score (a strain run that never set its reference) is left out of the spread, and counted.
            var scored = list.Where(s => double.IsFinite(s.Nrmse)).ToList();
            double mean = scored.Count == 0 ? double.NaN : scored.Average(s => s.Nrmse);
            double std = scored.Count > 1 ? Math.Sqrt(scored.Sum(s => (s.Nrmse - mean) * (s.Nrmse - mean)) / (scored.Count - 1)) : 0;
            static JsonNode? N(double v) => double.IsFinite(v) ? Math.Round(v, 4) : null;
            rows.Add(new JsonObject
            {
                ["policy"] = name,
                ["nrmse_mean"] = N(mean),
                ["nrmse_std"] = N(std),
                ["nrmse_min"] = N(scored.Count == 0 ? double.NaN : scored.Min(s => s.Nrmse)),
                ["nrmse_max"] = N(scored.Count == 0 ? double.NaN : scored.Max(s => s.Nrmse)),
                ["seeds_unscored"] = list.Count - scored.Count,
                ["probes"] = list[0].Probes,
                ["seeds_at_or_below_raster"] = list.Where((x, i) => x.Nrmse <= raster[i].Nrmse).Count(),
                ["seeds_at_or_below_smoothed_raster"] = list.Where((x, i) => x.Nrmse <= smoothed[i].Nrmse).Count(),
                ["truth_features"] = list.Sum(s => s.Features.Truth),
                ["recall_mean"] = Math.Round(list.Average(s => s.Features.Recall), 4),
                ["recall_pooled"] = Math.Round(list.Sum(s => s.Features.Found) / (double)Math.Max(1, list.Sum(s => s.Features.Truth)), 4),
                ["false_positives"] = list.Sum(s => s.Features.FalsePositives),
                ["dose_e_per_a2"] = Math.Round(list.Average(s => s.Dose), 4),
                ["mean_decision_ms"] = Math.Round(list.Average(s => s.Ms), 3),
            });
        }

        return new JsonObject
        {
            ["scene"] = scene,
            ["seeds"] = $"{firstSeed}..{lastSeed}",
            ["grid"] = grid,
            ["fov_nm"] = fovNm,
            ["fraction"] = fraction,
            ["convergence_mrad"] = convergenceMrad,
            ["dwell_us"] = dwellUs,
            ["target"] = target == "strain" ? $"strain {component}" : target,
            ["rows"] = rows,
        };
    }
}
