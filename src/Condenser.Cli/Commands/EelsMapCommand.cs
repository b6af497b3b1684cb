using System.CommandLine;
using System.Diagnostics;
using Condenser.Processing.Analyses;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser eels-map FILE --background A:B --edge C:D -o OUT.emd</c>: an elemental map (power-law background fitted
/// in A ≤ E &lt; B, subtracted, signal integrated over C ≤ E &lt; D), and with <c>--zero-loss</c> the zero-loss peak
/// position map (the energy shift per position) of a low-loss spectrum image (<see cref="EelsEdgeMap"/>,
/// <see cref="ZeroLossAnalysis"/>).
/// </summary>
internal static class EelsMapCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var background = new Option<string?>("--background") { Description = "pre-edge fit window A:B in the energy axis' units (eV)" };
        var edge = new Option<string?>("--edge") { Description = "edge integration window C:D (eV)" };
        var zeroLoss = new Option<bool>("--zero-loss") { Description = "map the zero-loss peak position and write the spectrum image aligned so it sits at 0 eV" };
        var scale = new Option<double?>("--energy-scale") { Description = "eV per channel, for a spectrum whose energy axis is not calibrated (with --energy-offset)" };
        var offset = new Option<double?>("--energy-offset") { Description = "energy of the first channel (eV), with --energy-scale" };
        var c = a.Create("eels-map", "EELS elemental map by power-law background subtraction, or zero-loss peak alignment", background, edge, zeroLoss, scale, offset);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            AnalysisResult result;
            string map;
            if (r.GetValue(zeroLoss))
            {
                result = ZeroLossAnalysis.Run(a.RunFor(r, ds), r.GetValue(scale), r.GetValue(offset));
                map = ZeroLossAnalysis.Position;
            }
            else
            {
                var fit = AnalysisOptions.Pair(r.GetValue(background) ?? throw new ArgumentException("--background A:B is needed (or --zero-loss)"), "--background");
                var window = AnalysisOptions.Pair(r.GetValue(edge) ?? throw new ArgumentException("--edge C:D is needed"), "--edge");
                result = EelsEdgeMap.Run(a.RunFor(r, ds), new EelsEdgeParameters(new EnergyWindow(fit.A, fit.B), new EnergyWindow(window.A, window.B), r.GetValue(scale), r.GetValue(offset)));
                map = EelsEdgeMap.Signal;
            }

            a.Finish(r, clock, outPath, result, () => new() { ["figure"] = Results.WriteFigure(outPath, ds, result.Values(map), map) });
            return 0;
        }));
        return c;
    }
}
