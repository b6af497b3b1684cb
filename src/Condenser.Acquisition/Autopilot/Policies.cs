using System.Text.Json.Nodes;
using Condenser.Learning.GaussianProcesses;

namespace Condenser.Acquisition.Autopilot;

/// <summary>The policies of the autopilot.</summary>
public enum PolicyKind
{
    /// <summary>Every position, row by row: the baseline.</summary>
    Raster,

    /// <summary>Positions drawn at random without repeats.</summary>
    Random,

    /// <summary>A low-discrepancy (Halton, bases 2 and 3) sequence over the grid.</summary>
    Sobol,

    /// <summary>Gaussian-process active learning: the position of largest posterior variance.</summary>
    GpVariance,

    /// <summary>Toward high values: the largest upper confidence bound μ + 2σ.</summary>
    GpUcb,

    /// <summary>Toward high values: the largest expected improvement over the best observation.</summary>
    GpEi,

    /// <summary>
    /// A survey, then targets: a coarse raster of the field (every s-th row and column, about half the probes); each
    /// survey probe 3 robust standard deviations above the support flags its neighbourhood (s positions around it),
    /// which is then probed in full, brightest first; the rest of the probes go where the model is least sure which
    /// side of the feature threshold t a position lies (the straddle 1.96σ − |μ − t|).
    /// </summary>
    Campaign,
}

/// <summary>What a policy sees: the grid, what has been visited, and (for the Gaussian-process policies) the model.</summary>
public sealed class PolicyContext(int side, ulong seed)
{
    /// <summary>Positions per side of the square grid.</summary>
    public int Side { get; } = side;

    /// <summary>The run's seed.</summary>
    public ulong Seed { get; } = seed;

    /// <summary>Visited grid positions.</summary>
    public bool[] Visited { get; } = new bool[side * side];

    /// <summary>Observed values by grid position (NaN where not visited).</summary>
    public double[] Values { get; } = Enumerable.Repeat(double.NaN, side * side).ToArray();

    /// <summary>The model over the grid, once it is fitted.</summary>
    public CandidateGaussianProcess? Model { get; set; }

    /// <summary>Positions visited so far.</summary>
    public int VisitedCount { get; set; }

    /// <summary>Largest value observed.</summary>
    public double Best { get; set; } = double.NegativeInfinity;

    /// <summary>The feature threshold of the campaign, set from its survey (NaN before).</summary>
    public double Threshold { get; set; } = double.NaN;
}

/// <summary>Chooses the next positions to visit.</summary>
public interface IPolicy
{
    /// <summary>Up to <paramref name="max"/> unvisited grid positions, and why (logged with the decision).</summary>
    (int[] Positions, JsonObject Reason) Next(PolicyContext context, int max);
}

/// <summary>The policies by kind.</summary>
public static class Policies
{
    /// <summary>The policy a command line or request names (raster, random, sobol, gp-variance, gp-ucb, gp-ei, campaign).</summary>
    public static PolicyKind Parse(string text) => text.ToLowerInvariant() switch
    {
        "raster" => PolicyKind.Raster,
        "random" => PolicyKind.Random,
        "sobol" => PolicyKind.Sobol,
        "gp-variance" => PolicyKind.GpVariance,
        "gp-ucb" => PolicyKind.GpUcb,
        "gp-ei" => PolicyKind.GpEi,
        "campaign" => PolicyKind.Campaign,
        _ => throw new ArgumentException($"--policy '{text}': give raster, random, sobol, gp-variance, gp-ucb, gp-ei or campaign"),
    };

    /// <summary>True for the policies that steer by a Gaussian process.</summary>
    public static bool UsesModel(PolicyKind kind) => kind is PolicyKind.GpVariance or PolicyKind.GpUcb or PolicyKind.GpEi or PolicyKind.Campaign;

    /// <summary>The policy of <paramref name="kind"/>.</summary>
    public static IPolicy Create(PolicyKind kind) => kind switch
    {
        PolicyKind.Raster => new Sequence(kind, (ctx, i) => i),
        PolicyKind.Random => new Sequence(kind, Permutation),
        PolicyKind.Sobol => new Sequence(kind, Halton),
        _ => new ModelPolicy(kind),
    };

    /// <summary>The campaign of a run of <paramref name="fraction"/>.</summary>
    public static IPolicy Campaign(double fraction) => new CampaignPolicy(SurveyStride(fraction));

    /// <summary>Robust standard deviations above the support by which a survey probe flags its neighbourhood.</summary>
    public const double FlagSigmas = 3;

    /// <summary>The safe policy's next position (the first unvisited point of the Halton sequence), logged as a fallback of <paramref name="kind"/> with <paramref name="why"/>.</summary>
    public static (int[] Positions, JsonObject Reason) Fallback(PolicyContext ctx, PolicyKind kind, string? why)
    {
        var (positions, reason) = new Sequence(PolicyKind.Sobol, Halton).Next(ctx, 1);
        reason["policy"] = kind.ToString();
        reason["rule"] = "fallback: Halton";
        reason["why"] = why;
        return (positions, reason);
    }

    /// <summary>The stride of the campaign's survey for a run of <paramref name="fraction"/>: about half the probes go to the survey.</summary>
    public static int SurveyStride(double fraction) => Math.Max(2, (int)Math.Round(Math.Sqrt(2 / fraction)));

    /// <summary>The campaign's survey: every <paramref name="stride"/>-th row and column, centred in the cells, row by row.</summary>
    public static int[] Survey(int side, int stride)
    {
        var picked = new List<int>();
        for (int row = stride / 2; row < side; row += stride)
        {
            for (int col = stride / 2; col < side; col += stride)
            {
                picked.Add((row * side) + col);
            }
        }

        return [.. picked];
    }

    /// <summary>The <paramref name="i"/>-th position of a seeded random permutation of the grid.</summary>
    private static int Permutation(PolicyContext ctx, int i)
    {
        // A Feistel-free way to a permutation: sort once by a seeded hash, cached per context.
        var order = Orders.GetValue(ctx, c => Enumerable.Range(0, c.Side * c.Side).OrderBy(p => DigitalTwin.Hash.Of(c.Seed, 0x9E, (ulong)p)).ToArray());
        return order[i % order.Length];
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<PolicyContext, int[]> Orders = new();

    /// <summary>The <paramref name="i"/>-th point of the Halton sequence (bases 2, 3), shifted by the seed, as a grid position.</summary>
    internal static int Halton(PolicyContext ctx, int i)
    {
        double shiftX = DigitalTwin.Hash.Unit(DigitalTwin.Hash.Of(ctx.Seed, 0x4A1)), shiftY = DigitalTwin.Hash.Unit(DigitalTwin.Hash.Of(ctx.Seed, 0x4A2));
        double x = (Radical(i + 1, 2) + shiftX) % 1, y = (Radical(i + 1, 3) + shiftY) % 1;
        return (Math.Min(ctx.Side - 1, (int)(y * ctx.Side)) * ctx.Side) + Math.Min(ctx.Side - 1, (int)(x * ctx.Side));
    }

    private static double Radical(int n, int b)
    {
        double f = 1, r = 0;
        while (n > 0)
        {
            f /= b;
            r += f * (n % b);
            n /= b;
        }

        return r;
    }

    /// <summary>A fixed sequence of positions, skipping those already visited.</summary>
    private sealed class Sequence(PolicyKind kind, Func<PolicyContext, int, int> at) : IPolicy
    {
        private int _next;

        public (int[] Positions, JsonObject Reason) Next(PolicyContext ctx, int max)
        {
            var picked = new List<int>();
            var seen = new HashSet<int>();
            int total = ctx.Side * ctx.Side;
            for (int guard = 0; picked.Count < max && ctx.VisitedCount + picked.Count < total && guard < 64 * total; guard++)
            {
                int p = at(ctx, _next++);
                if (!ctx.Visited[p] && seen.Add(p))
                {
                    picked.Add(p);
                }
            }

            if (kind == PolicyKind.Sobol && picked.Count < max)
            {
                // Collisions on a fine grid: fill with the first unvisited positions.
                for (int p = 0; p < total && picked.Count < max; p++)
                {
                    if (!ctx.Visited[p] && seen.Add(p))
                    {
                        picked.Add(p);
                    }
                }
            }

            return ([.. picked], new JsonObject { ["policy"] = kind.ToString(), ["rule"] = "sequence", ["index"] = _next });
        }
    }

    /// <summary>Survey, targets around the flagged survey probes, then the straddle of the threshold (see <see cref="PolicyKind.Campaign"/>).</summary>
    private sealed class CampaignPolicy(int stride) : IPolicy
    {
        private readonly ModelPolicy _straddle = new(PolicyKind.Campaign);
        private (int Position, double Z)[]? _flagged;

        public (int[] Positions, JsonObject Reason) Next(PolicyContext ctx, int max)
        {
            int side = ctx.Side;
            var survey = Survey(side, stride);
            if (ctx.VisitedCount == 0)
            {
                return (survey.Take(max).ToArray(), new JsonObject { ["policy"] = nameof(PolicyKind.Campaign), ["rule"] = $"survey: every {stride}th row and column" });
            }

            if (_flagged is null)
            {
                // Deterministic in the survey's values, so a resumed run flags alike.
                var values = survey.Where(p => ctx.Visited[p] && double.IsFinite(ctx.Values[p])).Select(p => ctx.Values[p]).ToList();
                var (level, sigma) = FeatureDetection.Support(values);
                _flagged = survey.Where(p => ctx.Visited[p] && ctx.Values[p] > level + (FlagSigmas * sigma))
                    .Select(p => (p, (ctx.Values[p] - level) / sigma)).OrderByDescending(f => f.Item2).ThenBy(f => f.p).ToArray();
            }

            foreach (var (flag, z) in _flagged)
            {
                int row = flag / side, col = flag % side;
                var around = new List<int>();
                for (int r = Math.Max(0, row - stride); r <= Math.Min(side - 1, row + stride) && around.Count < max; r++)
                {
                    for (int c = Math.Max(0, col - stride); c <= Math.Min(side - 1, col + stride) && around.Count < max; c++)
                    {
                        if (!ctx.Visited[(r * side) + c])
                        {
                            around.Add((r * side) + c);
                        }
                    }
                }

                if (around.Count > 0)
                {
                    return ([.. around], new JsonObject
                    {
                        ["policy"] = nameof(PolicyKind.Campaign),
                        ["rule"] = "target: around a flagged survey probe",
                        ["survey_position"] = flag,
                        ["value"] = ctx.Values[flag],
                        ["z"] = z,
                        ["flagged"] = _flagged.Length,
                    });
                }
            }

            return _straddle.Next(ctx, 1);
        }
    }

    /// <summary>The argmax of an acquisition value over the model's unvisited candidates.</summary>
    private sealed class ModelPolicy(PolicyKind kind) : IPolicy
    {

        public (int[] Positions, JsonObject Reason) Next(PolicyContext ctx, int max)
        {
            var model = ctx.Model ?? throw new InvalidOperationException("the Gaussian-process policies need a fitted model");
            double best = ctx.Best;
            Func<double, double, double> value = kind switch
            {
                PolicyKind.GpVariance => (_, v) => v,
                PolicyKind.GpUcb => (m, v) => m + (2 * Math.Sqrt(v)),
                PolicyKind.Campaign => (m, v) => (1.96 * Math.Sqrt(v)) - Math.Abs(m - ctx.Threshold),
                _ => (m, v) => ExpectedImprovement(m, Math.Sqrt(v), best),
            };
            int p = model.ArgMax(value, c => ctx.Visited[c]);
            if (p < 0 || !double.IsFinite(value(model.Means[p], model.Variances[p])))
            {
                if (ctx.VisitedCount >= ctx.Side * ctx.Side)
                {
                    return ([], new JsonObject { ["policy"] = kind.ToString(), ["rule"] = "no candidate left" });
                }

                // A model whose predictions are not numbers steers nothing: the safe policy decides, and says why.
                return Fallback(ctx, kind, "the model's acquisition values are not finite numbers");
            }

            var why = new JsonObject
            {
                ["policy"] = kind.ToString(),
                ["acquisition_value"] = value(model.Means[p], model.Variances[p]),
                ["mean"] = model.Means[p],
                ["std"] = Math.Sqrt(model.Variances[p]),
                ["observations"] = model.Count,
            };
            if (kind == PolicyKind.Campaign)
            {
                why["rule"] = "target: straddle of the survey's threshold";
                why["threshold"] = ctx.Threshold;
            }

            return ([p], why);
        }

        private static double ExpectedImprovement(double m, double s, double best)
        {
            if (!(s > 0))
            {
                return Math.Max(0, m - best);
            }

            double z = (m - best) / s;
            return ((m - best) * NormalCdf(z)) + (s * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI));
        }

        private static double NormalCdf(double z) => 0.5 * (1 + MathNet.Numerics.SpecialFunctions.Erf(z / Math.Sqrt(2)));
    }
}
