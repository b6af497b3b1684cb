using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Learning.GaussianProcesses;

namespace Condenser.Bench;

/// <summary>
/// The measurements behind <c>condenser bench gp</c>: the cost of one decision of an acquisition loop — add the newest
/// observation and find the candidate of highest upper confidence bound — over a 256 × 256 candidate grid, as the
/// observations grow, for the sparse candidate process; beside it the exact process's update and its prediction per
/// candidate.
/// </summary>
public static class GaussianProcessBench
{
    /// <summary>Runs the measurements (JSON).</summary>
    public static JsonObject Run(int grid = 256, int inducingPerSide = 16, int maxObservations = 10_000)
    {
        var kernel = new Kernel(KernelKind.Matern52, [0.08, 0.08], 1);
        var candidates = Enumerable.Range(0, grid * grid).Select(i => new[] { (i % grid) / (double)(grid - 1), (i / grid) / (double)(grid - 1) }).ToList();
        var inducing = Enumerable.Range(0, inducingPerSide * inducingPerSide).Select(i => new[] { (i % inducingPerSide) / (double)(inducingPerSide - 1), (i / inducingPerSide) / (double)(inducingPerSide - 1) }).ToList();
        var setup = Stopwatch.StartNew();
        var gp = new CandidateGaussianProcess(kernel, 0.01, 0, inducing, candidates);
        double setupS = setup.Elapsed.TotalSeconds;
        var taken = new bool[candidates.Count];
        var rng = new Random(1);
        var checkpoints = new SortedSet<int> { 100, 500, 1000, 2000, 5000, maxObservations };
        var rows = new JsonArray();
        var clock = new Stopwatch();
        int window = 0;
        double windowMs = 0;
        for (int n = 1; n <= maxObservations; n++)
        {
            clock.Restart();
            int next = gp.ArgMax((m, v) => m + (2 * Math.Sqrt(v)), c => taken[c]);
            taken[next] = true;
            var x = candidates[next];
            gp.AddAtCandidate(next, Math.Sin(9 * x[0]) * Math.Cos(7 * x[1]) + (0.1 * (rng.NextDouble() - 0.5)));
            windowMs += clock.Elapsed.TotalMilliseconds;
            window++;
            if (checkpoints.Contains(n))
            {
                rows.Add(new JsonObject { ["observations"] = n, ["decision_ms"] = Math.Round(windowMs / window, 2) });
                window = 0;
                windowMs = 0;
            }
        }

        // The exact process at 2,000 observations: one more observation, and one prediction (mean and variance).
        var exact = new GaussianProcess(kernel, 0.01);
        for (int i = 0; i < 2000; i++)
        {
            exact.Add(candidates[rng.Next(candidates.Count)], rng.NextDouble());
        }

        clock.Restart();
        exact.Add(candidates[12345], 0.5);
        double exactAddMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        for (int i = 0; i < 64; i++)
        {
            exact.Predict(candidates[i * 97]);
        }

        double exactPredictMs = clock.Elapsed.TotalMilliseconds / 64;
        return new JsonObject
        {
            ["machine"] = $"{Environment.ProcessorCount} cores",
            ["candidates"] = candidates.Count,
            ["inducing_points"] = inducing.Count,
            ["setup_s"] = Math.Round(setupS, 3),
            ["memory_mb"] = Math.Round((double)candidates.Count * inducing.Count * 4 / 1048576, 1),
            ["decisions"] = rows,
            ["exact_add_ms_at_2000"] = Math.Round(exactAddMs, 2),
            ["exact_predict_ms_per_candidate_at_2000"] = Math.Round(exactPredictMs, 3),
            ["exact_grid_predict_s_at_2000"] = Math.Round(exactPredictMs * candidates.Count / 1000, 1),
        };
    }
}
