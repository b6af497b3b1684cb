using System.CommandLine;
using System.Diagnostics;
using Condenser.Learning.Analyses;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser classify FILE --clusters K -o OUT.emd</c>: orientation/phase map by k-means of the patterns (<see cref="ClassificationAnalysis"/>).</summary>
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
            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            var result = ClassificationAnalysis.Run(a.RunFor(r, ds), new ClassificationParameters(r.GetValue(k)));
            a.Finish(r, clock, outPath, result, () => new() { ["figure"] = Results.WriteFigure(outPath, ds, result.Values(ClassificationAnalysis.Class), ClassificationAnalysis.Class) });
            return 0;
        }));
        return c;
    }
}
