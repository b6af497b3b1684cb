using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.MapReduce;
using Condenser.Processing.SpectrumImaging;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser eels-map FILE --background A:B --edge C:D -o OUT.emd</c>: an elemental map (power-law background fitted
/// in A ≤ E &lt; B, subtracted, signal integrated over C ≤ E &lt; D), and with <c>--zero-loss</c> the zero-loss peak
/// position map (the energy shift per position) of a low-loss spectrum image.
/// </summary>
internal static class EelsMapCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var background = new Option<string?>("--background") { Description = "pre-edge fit window A:B in the energy axis' units (eV)" };
        var edge = new Option<string?>("--edge") { Description = "edge integration window C:D (eV)" };
        var zeroLoss = new Option<bool>("--zero-loss") { Description = "map the zero-loss peak position and write the spectrum image aligned so it sits at 0 eV" };
        var c = a.Create("eels-map", "EELS elemental map by power-law background subtraction, or zero-loss peak alignment", background, edge, zeroLoss);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            SpectrumInputs.Channels(ds);
            var energies = SpectrumInputs.Energies(ds);
            var outPath = r.GetValue(a.Output)!;
            var parameters = new MetadataTree();
            var details = new JsonObject();
            Condenser.Processing.Analyses.AnalysisResult result;
            if (r.GetValue(zeroLoss))
            {
                var zlp = new ZeroLossPeaks(ds.Axes[^1]);
                a.Run(r, ds, "zero-loss peaks", zlp);
                var peaks = zlp.Energies;
                parameters["method"] = "maximum refined by a parabola; linear interpolation";
                result = a.Write(r, outPath, ds, [("zero-loss position", peaks)], "eels-zero-loss", parameters, [ZeroLoss.Aligned(ds, peaks)]);
                var finite = peaks.Where(double.IsFinite).ToArray();
                details["zlp_mean"] = finite.Length > 0 ? finite.Average() : double.NaN;
                details["zlp_spread"] = finite.Length > 0 ? finite.Max() - finite.Min() : double.NaN;
                details["figure"] = Results.WriteFigure(outPath, ds, peaks, "zero-loss position");
            }
            else
            {
                var fit = AnalysisOptions.Pair(r.GetValue(background) ?? throw new ArgumentException("--background A:B is needed (or --zero-loss)"), "--background");
                var window = AnalysisOptions.Pair(r.GetValue(edge) ?? throw new ArgumentException("--edge C:D is needed"), "--edge");
                var map = new EdgeMap(energies, fit, window);
                a.Run(r, ds, "edge map", map);
                parameters["background_window"] = $"{fit.A}:{fit.B}";
                parameters["edge_window"] = $"{window.A}:{window.B}";
                parameters["background_model"] = "power law A·E^-r, least squares in log-log";
                result = a.Write(r, outPath, ds, [("edge signal", map.Signal), ("power-law exponent", map.Exponent)], "eels-map", parameters);
                details["sum"] = map.Signal.Where(double.IsFinite).Sum();
                details["failed_fits"] = map.Signal.Count(v => !double.IsFinite(v));
                details["figure"] = Results.WriteFigure(outPath, ds, map.Signal, "edge signal");
            }

            Results.Report(r.GetValue(a.Json), AnalysisOptions.Summary(clock, result, outPath, details), clock);
            return 0;
        }));
        return c;
    }
}
