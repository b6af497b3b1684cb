using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Learning.Clustering;
using Condenser.Processing.Analyses;
using Condenser.Processing.FourDStem;

namespace Condenser.Learning.Analyses;

/// <summary>The parameters of pattern classification.</summary>
/// <param name="Clusters">Number of orientations or phases to separate (1 ≤ k ≤ positions).</param>
public sealed record ClassificationParameters(int Clusters = 4);

/// <summary>
/// Orientation and phase map of a 4D-STEM scan: every pattern binned to at most 16 × 16, square-rooted and scaled to
/// unit length, then k-means (k-means++ seeded with 1); the class of each position and the size of each class.
/// </summary>
public static class ClassificationAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "classify";

    /// <summary>Version of the method.</summary>
    public const int Version = 1;

    /// <summary>Title of the class map.</summary>
    public const string Class = "class";

    /// <summary>Runs the analysis.</summary>
    public static AnalysisResult Run(AnalysisRun run, ClassificationParameters p)
    {
        var ds = run.Dataset;
        FourDStemInputs.Detector(ds);
        if (p.Clusters < 1 || p.Clusters > ds.FrameCount)
        {
            throw new ArgumentException($"{p.Clusters} clusters: between 1 and the {ds.FrameCount} scan positions");
        }

        var features = new PatternClustering();
        run.Pass("pattern features", [features]);
        var (labels, _) = KMeans.Fit(features.Features, p.Clusters);
        var parameters = new MetadataTree();
        parameters["clusters"] = p.Clusters;
        parameters["features"] = "patterns binned to ≤16×16, square root, unit length; k-means++ seed 1";
        var summary = new JsonObject
        {
            ["class_sizes"] = new JsonArray(Enumerable.Range(0, p.Clusters).Select(i => (JsonNode)labels.Count(l => l == i)).ToArray()),
        };
        return run.Result(Name, Version, parameters, [ResultDatasets.ScanMap(ds, Class, labels.Select(l => (double)l).ToArray())], summary);
    }
}
