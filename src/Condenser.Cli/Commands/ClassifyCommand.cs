using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser classify FILE --clusters K -o OUT.emd</c>: orientation/phase map by k-means of the patterns.</summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var k = new Option<int>("--clusters", "-k") { Description = "number of orientations/phases to separate", DefaultValueFactory = _ => 4 };
        var c = a.Create("classify", "orientation and phase map of a 4D-STEM scan by clustering its diffraction patterns", k);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            FourDStemInputs.Detector(ds);
            var features = new PatternClustering();
            a.Run(r, ds, "pattern features", features);
            var (labels, _) = Condenser.Learning.Clustering.KMeans.Fit(features.Features, r.GetValue(k));
            var map = labels.Select(l => (double)l).ToArray();
            var parameters = new MetadataTree();
            parameters["clusters"] = r.GetValue(k);
            parameters["features"] = "patterns binned to ≤16×16, square root, unit length; k-means++ seed 1";
            var outPath = r.GetValue(a.Output)!;
            var result = a.Write(r, outPath, ds, [("class", map)], "classify", parameters);
            var summary = AnalysisOptions.Summary(clock, result, outPath);
            summary["class_sizes"] = new JsonArray(Enumerable.Range(0, r.GetValue(k)).Select(i => (JsonNode)labels.Count(l => l == i)).ToArray());
            summary["figure"] = Results.WriteFigure(outPath, ds, map, "class");
            Results.Report(r.GetValue(a.Json), summary, clock);
            return 0;
        }));
        return c;
    }
}
