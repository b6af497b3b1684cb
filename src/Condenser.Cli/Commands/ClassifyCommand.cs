using System.CommandLine;
using System.Diagnostics;
using Condenser.Learning.Analyses;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser classify FILE --clusters K|auto [--method kmeans|gmm] -o OUT.emd</c>: orientation/phase map by clustering the patterns (<see cref="ClassificationAnalysis"/>).</summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var k = new Option<string>("--clusters", "-k") { Description = "number of orientations/phases to separate, or auto: the lowest BIC of a Gaussian mixture among 1 … --max-clusters (with --method gmm)", DefaultValueFactory = _ => "4" };
        var method = new Option<string>("--method") { Description = "kmeans (hard labels) or gmm (Gaussian mixture on the features' principal components: a probability map beside the classes)", DefaultValueFactory = _ => "kmeans" };
        var dims = new Option<int>("--dimensions") { Description = "gmm: principal components of the pattern features the mixture is fitted in", DefaultValueFactory = _ => 8 };
        var max = new Option<int>("--max-clusters") { Description = "with --clusters auto: the most components tried", DefaultValueFactory = _ => 8 };
        var c = a.Create("classify", "orientation and phase map of a 4D-STEM scan by clustering its diffraction patterns", k, method, dims, max);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            var result = ClassificationAnalysis.Run(a.RunFor(r, ds), Parameters(r.GetValue(k)!, r.GetValue(method)!, r.GetValue(dims), r.GetValue(max)));
            a.Finish(r, clock, outPath, result, () => new() { ["figure"] = Results.WriteFigure(outPath, ds, result.Values(ClassificationAnalysis.Class), ClassificationAnalysis.Class) });
            return 0;
        }));
        return c;
    }

    private static ClassificationParameters Parameters(string clusters, string method, int dimensions, int max)
    {
        int k = clusters == "auto" ? 0
            : int.TryParse(clusters, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0 ? n
            : throw new ArgumentException($"--clusters '{clusters}': a positive whole number or auto");
        return new ClassificationParameters(k, ClassificationParameters.ParseMethod(method), dimensions, max);
    }
}
