using System.CommandLine;
using System.Diagnostics;
using Condenser.Processing.Analyses;
using Condenser.Processing.MapReduce;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser pattern-stats FILE [--region Y0:Y1,X0:X1] -o OUT.emd</c>: mean, maximum, sum and standard-deviation
/// patterns of a 4D-STEM scan (or spectra of a spectrum image) over the scan or a region of it
/// (<see cref="PatternStatisticsAnalysis"/>); the mean pattern as a log-scaled PNG beside the EMD.
/// </summary>
internal static class PatternStatisticsCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var region = new Option<string?>("--region") { Description = "scan region Y0:Y1,X0:X1 (default: the whole scan)" };
        var c = a.Create("pattern-stats", "mean, maximum, sum and standard-deviation patterns over a scan or a region of it", region);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            ScanPositions? positions = null;
            if (r.GetValue(region) is { } text)
            {
                if (ds.Shape.Navigation.Count != 2)
                {
                    throw new ArgumentException($"{ds.Name}: --region needs a 2-d scan");
                }

                var box = AnalysisOptions.Region(text, ds);
                positions = ScanPositions.Rectangle(ds.Shape.Navigation[0], ds.Shape.Navigation[1], box.Y0, box.Y1, box.X0, box.X1);
            }

            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            var result = PatternStatisticsAnalysis.Run(a.RunFor(r, ds, positions));
            a.Finish(r, clock, outPath, result, () =>
            {
                var mean = result[PatternStatisticsAnalysis.Mean];
                if (mean.Shape.Signal.Count != 2)
                {
                    return new() { ["figure"] = null };
                }

                var png = Path.ChangeExtension(outPath, ".png");
                var picture = new Condenser.Processing.Imaging.PreviewImage(mean.Shape.Signal[1], mean.Shape.Signal[0], result.Values(PatternStatisticsAnalysis.Mean), null, mean.Axes[^1], "mean pattern");
                Condenser.Rendering.PngRenderer.Write(picture, png, log: true, minSize: 512, colorBar: true);
                return new() { ["figure"] = png };
            });
            return 0;
        }));
        return c;
    }
}
