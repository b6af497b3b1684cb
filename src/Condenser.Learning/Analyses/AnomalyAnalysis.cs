using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Learning.Anomaly;
using Condenser.Learning.Decomposition;
using Condenser.Processing.Analyses;
using Condenser.Processing.FourDStem;

namespace Condenser.Learning.Analyses;

/// <summary>How a pattern is judged anomalous.</summary>
public enum AnomalyMethod
{
    /// <summary>Distance of its features from the span of the first principal components (what the components do not explain).</summary>
    Reconstruction,

    /// <summary>Isolation forest on the first principal components (how few random splits isolate it).</summary>
    Isolation,
}

/// <summary>The parameters of an anomaly map.</summary>
/// <param name="Method">Reconstruction error or isolation.</param>
/// <param name="Components">Principal components of the pattern features kept (1 … 32).</param>
/// <param name="Candidates">Highest-scoring positions listed as candidates (for a planner to visit).</param>
public sealed record AnomalyParameters(AnomalyMethod Method = AnomalyMethod.Reconstruction, int Components = 8, int Candidates = 10)
{
    /// <summary>The method from its name (reconstruction or isolation).</summary>
    public static AnomalyMethod ParseMethod(string name) => name switch
    {
        "reconstruction" => AnomalyMethod.Reconstruction,
        "isolation" => AnomalyMethod.Isolation,
        _ => throw new ArgumentException($"anomaly method '{name}': expected reconstruction or isolation"),
    };
}

/// <summary>
/// Anomaly map of a 4D-STEM scan from the same pattern features as <see cref="ClassificationAnalysis"/> (binned to
/// at most 16 × 16, square root, unit length): either the residual norm of each feature vector outside its first
/// principal components, or an isolation forest's score (100 trees, subsamples of 256) on those components. The
/// score of each position, and the highest-scoring positions as candidates. The components are fitted twice, the
/// second time without the 5 % least typical positions, so that a recurring anomaly does not become a component.
/// </summary>
public static class AnomalyAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "anomaly";

    /// <summary>Version of the method.</summary>
    public const int Version = 1;

    /// <summary>Title of the score map.</summary>
    public const string Score = "anomaly score";

    /// <summary>Runs the analysis.</summary>
    public static AnalysisResult Run(AnalysisRun run, AnomalyParameters p)
    {
        var ds = run.Dataset;
        FourDStemInputs.Detector(ds);
        if (p.Components is < 1 or > 32 || p.Candidates is < 0 or > 10_000)
        {
            throw new ArgumentException($"{p.Components} components and {p.Candidates} candidates: components between 1 and 32, candidates between 0 and 10000");
        }

        var features = new PatternClustering();
        run.Pass("pattern features", [features]);
        var visited = features.Features.Where(f => f is not null).ToArray();
        if (visited.Length < 2)
        {
            throw new ArgumentException($"an anomaly map needs at least 2 positions, {visited.Length} visited");
        }

        int k = Math.Min(p.Components, visited[0].Length);
        var doubles = PatternFeatures.AsDoubles(visited);
        // A first fit spans the anomalies too when they are frequent enough to make a component of their own; the
        // components are refitted on the 95 % of positions most typical under the first fit (Hotelling's T² over
        // the components plus the residual, each relative to its median), and every position is scored against that.
        var first = PatternFeatures.FitPca(doubles, Enumerable.Range(0, doubles.Length));
        var distance = doubles.AsParallel().AsOrdered().Select(x => (T2: Hotelling(first, x, k), R: Residual(first, x, k))).ToArray();
        double t2Median = Math.Max(Median(distance.Select(d => d.T2).ToArray()), 1e-300), rMedian = Math.Max(Median(distance.Select(d => d.R * d.R).ToArray()), 1e-300);
        var typicality = distance.Select(d => (d.T2 / t2Median) + (d.R * d.R / rMedian)).ToArray();
        double cut = typicality.Order().ElementAt(Math.Max(1, (int)(0.95 * typicality.Length)) - 1);
        var pca = PatternFeatures.FitPca(doubles, Enumerable.Range(0, doubles.Length).Where(i => typicality[i] <= cut));
        double[] scores;
        if (p.Method == AnomalyMethod.Reconstruction)
        {
            scores = doubles.AsParallel().AsOrdered().Select(x => Residual(pca, x, k)).ToArray();
        }
        else
        {
            var reduced = PatternFeatures.Scores(pca, doubles, k);
            scores = IsolationForest.Fit(reduced).Score(reduced);
        }

        var all = PatternFeatures.Scatter(features.Features, scores);
        var positions = Enumerable.Range(0, all.Length).Where(i => features.Features[i] is not null).ToList();
        int width = ds.Shape.Navigation[^1];
        var candidates = positions.OrderByDescending(i => all[i]).Take(p.Candidates)
            .Select(i => (JsonNode)new JsonObject { ["y"] = i / width, ["x"] = i % width, ["score"] = all[i] }).ToArray();
        var parameters = new MetadataTree();
        parameters["method"] = p.Method.ToString().ToLowerInvariant();
        parameters["components"] = k;
        parameters["features"] = "patterns binned to ≤16×16, square root, unit length; principal components of them";
        if (p.Method == AnomalyMethod.Isolation)
        {
            parameters["forest"] = "100 trees, subsamples of 256, seed 1";
        }

        var summary = new JsonObject
        {
            ["explained_variance"] = pca.ExplainedVarianceRatio.Take(k).Sum(),
            ["score_median"] = Median(scores),
            ["score_max"] = scores.Max(),
            ["candidates"] = new JsonArray(candidates),
        };
        return run.Result(Name, Version, parameters, [ResultDatasets.ScanMap(ds, Score, all)], summary);
    }

    /// <summary>Hotelling's T²: Σ score² / variance over the first <paramref name="k"/> components.</summary>
    private static double Hotelling(Pca pca, double[] x, int k)
    {
        var s = pca.Scores(x, k);
        double t2 = 0;
        for (int j = 0; j < k; j++)
        {
            double sv = pca.SingularValues[j];
            t2 += sv > 0 ? s[j] * s[j] / (sv * sv) : 0;
        }

        return t2;
    }

    /// <summary>Norm of what the first <paramref name="k"/> components leave of <paramref name="x"/>.</summary>
    private static double Residual(Pca pca, double[] x, int k)
    {
        var r = pca.Reconstruct(x, k);
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += (x[i] - r[i]) * (x[i] - r[i]);
        }

        return Math.Sqrt(s);
    }

    private static double Median(double[] v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }
}
