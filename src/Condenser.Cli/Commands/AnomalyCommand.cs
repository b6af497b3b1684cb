using System.CommandLine;
using System.Diagnostics;
using Condenser.Learning.Analyses;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser anomaly FILE [--method reconstruction|isolation] [-k 8] -o OUT.emd</c>: anomaly map of a 4D-STEM scan and the positions to look at next (<see cref="AnomalyAnalysis"/>).</summary>
internal static class AnomalyCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var method = new Option<string>("--method") { Description = "reconstruction (residual outside the first principal components of the pattern features) or isolation (isolation forest on them)", DefaultValueFactory = _ => "reconstruction" };
        var k = new Option<int>("--components", "-k") { Description = "principal components of the pattern features kept", DefaultValueFactory = _ => 8 };
        var n = new Option<int>("--candidates") { Description = "highest-scoring positions listed as candidates", DefaultValueFactory = _ => 10 };
        var c = a.Create("anomaly", "anomaly map of a 4D-STEM scan: where the patterns are unlike the rest, and the positions to look at next", method, k, n);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            var p = new AnomalyParameters(AnomalyParameters.ParseMethod(r.GetValue(method)!), r.GetValue(k), r.GetValue(n));
            var result = AnomalyAnalysis.Run(a.RunFor(r, ds), p);
            a.Finish(r, clock, outPath, result, () => new() { ["figure"] = Results.WriteFigure(outPath, ds, result.Values(AnomalyAnalysis.Score), AnomalyAnalysis.Score) });
            return 0;
        }));
        return c;
    }
}
