using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Learning.Clustering;
using Condenser.Processing.Analyses;
using Condenser.Processing.FourDStem;

namespace Condenser.Learning.Analyses;

/// <summary>How patterns are clustered.</summary>
public enum ClusteringMethod
{
    /// <summary>k-means of the pattern features (hard labels).</summary>
    KMeans,

    /// <summary>A Gaussian mixture with full covariances on the features' first principal components (soft labels, BIC for the number of components).</summary>
    Gmm,
}

/// <summary>The parameters of pattern classification.</summary>
/// <param name="Clusters">Number of orientations or phases to separate (1 ≤ k ≤ positions); 0: chosen by the lowest BIC of a Gaussian mixture among 1 … <paramref name="MaxClusters"/>.</param>
/// <param name="Method">k-means or a Gaussian mixture.</param>
/// <param name="Dimensions">Principal components of the features a Gaussian mixture is fitted in (1 … 32).</param>
/// <param name="MaxClusters">Largest number of components tried when <paramref name="Clusters"/> is 0.</param>
public sealed record ClassificationParameters(int Clusters = 4, ClusteringMethod Method = ClusteringMethod.KMeans, int Dimensions = 8, int MaxClusters = 8)
{
    /// <summary>The method from its name (kmeans or gmm).</summary>
    public static ClusteringMethod ParseMethod(string name) => name switch
    {
        "kmeans" => ClusteringMethod.KMeans,
        "gmm" => ClusteringMethod.Gmm,
        _ => throw new ArgumentException($"clustering method '{name}': expected kmeans or gmm"),
    };
}

/// <summary>
/// Orientation and phase map of a 4D-STEM scan: every pattern binned to at most 16 × 16, square-rooted and scaled to
/// unit length; then k-means (k-means++ seeded with 1) of these features, or a Gaussian mixture (full covariances,
/// EM from k-means) on their first principal components, whose number of components may be chosen by the lowest
/// Bayesian information criterion. The class of each position, the size of each class, and for a mixture the
/// posterior probability of the chosen class at each position.
/// </summary>
public static class ClassificationAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "classify";

    /// <summary>Version of the method (2: Gaussian mixtures and BIC; k-means unchanged since 1).</summary>
    public const int Version = 2;

    /// <summary>Title of the class map.</summary>
    public const string Class = "class";

    /// <summary>Title of the map of the chosen class's posterior probability (Gaussian mixture).</summary>
    public const string Probability = "posterior probability";

    /// <summary>Runs the analysis.</summary>
    public static AnalysisResult Run(AnalysisRun run, ClassificationParameters p)
    {
        var ds = run.Dataset;
        FourDStemInputs.Detector(ds);
        if (p.Clusters < 0 || p.Clusters > ds.FrameCount)
        {
            throw new ArgumentException($"{p.Clusters} clusters: between 1 and the {ds.FrameCount} scan positions (0: chosen by BIC)");
        }

        if (p.Clusters == 0 && p.Method != ClusteringMethod.Gmm)
        {
            throw new ArgumentException("the number of clusters is chosen by BIC only for a Gaussian mixture (--method gmm)");
        }

        if (p.Dimensions is < 1 or > 32 || p.MaxClusters is < 1 or > 32)
        {
            throw new ArgumentException($"{p.Dimensions} dimensions and at most {p.MaxClusters} clusters: each between 1 and 32");
        }

        var features = new PatternClustering();
        run.Pass("pattern features", [features]);
        var visited = features.Features.Where(f => f is not null).ToArray();
        var parameters = new MetadataTree();
        parameters["method"] = p.Method == ClusteringMethod.Gmm ? "gmm" : "kmeans";
        parameters["clusters"] = p.Clusters;
        var summary = new JsonObject();
        var sets = new List<EmDataset>();
        int[] labels;
        int k = p.Clusters;
        if (p.Method == ClusteringMethod.KMeans)
        {
            parameters["features"] = "patterns binned to ≤16×16, square root, unit length; k-means++ seed 1";
            (labels, _) = KMeans.Fit(visited, k);
        }
        else
        {
            parameters["features"] = $"patterns binned to ≤16×16, square root, unit length; first {p.Dimensions} principal components";
            parameters["dimensions"] = p.Dimensions;
            parameters["criterion"] = "lowest BIC = −2 ln L + p ln n, full covariances, regularisation 1e-6, EM from k-means seed 1";
            var x = PatternFeatures.AsDoubles(visited);
            var reduced = PatternFeatures.Scores(PatternFeatures.FitPca(x, Enumerable.Range(0, x.Length)), x, Math.Min(p.Dimensions, x[0].Length));
            GaussianMixture model;
            if (k == 0)
            {
                parameters["max_clusters"] = p.MaxClusters;
                (model, var bic) = GaussianMixture.SelectByBic(reduced, p.MaxClusters);
                summary["bic"] = new JsonArray(bic.Select(b => (JsonNode)b).ToArray());
                k = model.Components;
            }
            else
            {
                model = GaussianMixture.Fit(reduced, k);
                summary["bic"] = new JsonArray(model.Bic(reduced.Length));
            }

            (labels, var probability) = model.Predict(reduced);
            summary["converged"] = model.Converged;
            summary["iterations"] = model.Iterations;
            summary["mean_log_likelihood"] = model.MeanLogLikelihood;
            summary["mean_probability"] = probability.Average();
            sets.Add(ResultDatasets.ScanMap(ds, Probability, PatternFeatures.Scatter(features.Features, probability)));
        }

        summary["clusters"] = k;
        summary["class_sizes"] = new JsonArray(Enumerable.Range(0, k).Select(i => (JsonNode)labels.Count(l => l == i)).ToArray());
        sets.Insert(0, ResultDatasets.ScanMap(ds, Class, PatternFeatures.Scatter(features.Features, labels.Select(l => (double)l).ToArray())));
        return run.Result(Name, Version, parameters, sets, summary);
    }
}
