using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;

namespace Condenser.Processing.Analyses;

/// <summary>
/// Sum, mean, maximum and standard-deviation patterns (or spectra) over the positions of the run — the whole scan, a
/// region, a list — in one pass. The standard deviation is the population one (numpy's <c>std</c>, ddof 0), from the
/// running sums of values and squares.
/// </summary>
public static class PatternStatisticsAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "pattern-stats";

    /// <summary>Version of the method.</summary>
    public const int Version = 1;

    /// <summary>Titles of the results.</summary>
    public const string Mean = "mean pattern", Max = "maximum pattern", Sum = "sum pattern", StandardDeviation = "standard deviation pattern";

    /// <summary>Runs the analysis over the run's positions.</summary>
    public static AnalysisResult Run(AnalysisRun run)
    {
        var ds = run.Dataset;
        if (ds.Shape.SignalCount == 0 || ds.DType.IsComplex())
        {
            throw new ArgumentException($"{ds.Name}: pattern statistics need real frames, not {string.Join("×", ds.Shape.Signal)} {ds.DType.Name()}");
        }

        var stats = new PatternStatistics();
        run.Pass("pattern statistics", [stats]);
        var parameters = new MetadataTree();
        parameters["positions"] = stats.Count;
        parameters["standard_deviation"] = "population (ddof 0)";
        var summary = new JsonObject
        {
            ["positions"] = stats.Count,
            ["sum"] = stats.Sum.Sum(),
            ["max"] = stats.Max.Length > 0 ? stats.Max.Max() : null,
        };
        var sets = new[] { (Mean, stats.Mean), (Max, stats.Max), (Sum, stats.Sum), (StandardDeviation, stats.StandardDeviation) }
            .Select(s => ResultDatasets.Pattern(ds, s.Item1, s.Item2)).ToList();
        return run.Result(Name, Version, parameters, sets, summary);
    }
}
