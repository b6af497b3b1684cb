using System.CommandLine;
using System.Diagnostics;
using Condenser.Processing.Analyses;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser strain FILE --reference Y0:Y1,X0:X1 -o OUT.emd</c>: Bragg disks in every pattern (template matching with
/// the bright-field disk of the mean pattern as probe), the lattice fitted per position, strain and rotation maps
/// against the mean lattice of the reference region (<see cref="StrainAnalysis"/>).
/// </summary>
internal static class StrainCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var reference = new Option<string?>("--reference") { Description = "reference scan region Y0:Y1,X0:X1 (default: the whole scan)" };
        var spacing = new Option<double>("--min-spacing") { Description = "smallest distance between disks, detector pixels", DefaultValueFactory = _ => 5 };
        var threshold = new Option<double>("--min-intensity") { Description = "weakest disk kept, as a fraction of the strongest", DefaultValueFactory = _ => 0.02 };
        var c = a.Create("strain", "Bragg disk detection, lattice fitting and strain maps (εxx, εyy, εxy, rotation) of a 4D-STEM scan", reference, spacing, threshold);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            var region = r.GetValue(reference) is { } text ? AnalysisOptions.Region(text, ds) : (ScanRegion?)null;
            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            var result = StrainAnalysis.Run(a.RunFor(r, ds), new StrainParameters(region, r.GetValue(spacing), r.GetValue(threshold)));
            a.Finish(r, clock, outPath, result, () => new() { ["figure"] = Results.WriteFigure(outPath, ds, result.Values(StrainAnalysis.Exx), "εxx") });
            return 0;
        }));
        return c;
    }
}
