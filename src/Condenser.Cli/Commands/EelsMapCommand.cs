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
        var zlp = new Option<bool>("--zero-loss") { Description = "map the zero-loss peak position and write the spectrum image aligned so it sits at 0 eV" };
        var c = a.Create("eels-map", "EELS elemental map by power-law background subtraction, or zero-loss peak alignment", background, edge, zlp);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Common.Open(r);
            var ds = file.Datasets[0];
            SpectrumInputs.Channels(ds);
            var energies = SpectrumInputs.Energies(ds);
            var outPath = r.GetValue(a.Output)!;
            var parameters = new MetadataTree();
            var summary = new JsonObject { ["output"] = outPath, ["bytes_read"] = ds.ByteLength };
            if (r.GetValue(zlp))
            {
                var axis = ds.Axes[^1];
                var (aligned, peaks) = ZeroLoss.Align(SpectrumInputs.ReadSpectra(ds), axis.Offset, axis.Scale);
                var values = aligned.SelectMany(s => s).ToArray();
                var bytes = new byte[values.Length * 8];
                Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
                var md = ds.Metadata.Clone();
                md.Title = "zero-loss aligned";
                var alignedSet = new EmDataset(md.Title, ds.Shape, ds.Axes, DType.Float64, new Data.Storage.MemoryStorage(bytes), md);
                parameters["method"] = "maximum refined by a parabola; linear interpolation";
                Results.WriteScanMaps(outPath, file, ds, "zlp", [("zero-loss position", peaks)], "eels-zero-loss", parameters, [alignedSet]);
                var finite = peaks.Where(double.IsFinite).ToArray();
                summary["zlp_mean"] = finite.Length > 0 ? finite.Average() : double.NaN;
                summary["zlp_spread"] = finite.Length > 0 ? finite.Max() - finite.Min() : double.NaN;
                summary["figure"] = Results.WriteFigure(outPath, ds, peaks, "zero-loss position");
            }
            else
            {
                var fit = VirtualImageCommand.Pair(r.GetValue(background) ?? throw new ArgumentException("--background A:B is needed (or --zero-loss)"), "--background");
                var window = VirtualImageCommand.Pair(r.GetValue(edge) ?? throw new ArgumentException("--edge C:D is needed"), "--edge");
                var map = new EdgeMap(energies, fit, window, ds.FrameCount);
                FrameExecutor.RunParallel(ds, [map], r.GetValue(a.Workers), progress: ConsoleProgress.For("edge map", ds.ByteLength), cancel: ConsoleProgress.Cancel);
                parameters["background_window"] = $"{fit.A}:{fit.B}";
                parameters["edge_window"] = $"{window.A}:{window.B}";
                parameters["background_model"] = "power law A·E^-r, least squares in log-log";
                Results.WriteScanMaps(outPath, file, ds, "edge", [("edge signal", map.Signal), ("power-law exponent", map.Exponent)], "eels-map", parameters);
                summary["sum"] = map.Signal.Where(double.IsFinite).Sum();
                summary["failed_fits"] = map.Signal.Count(v => !double.IsFinite(v));
                summary["figure"] = Results.WriteFigure(outPath, ds, map.Signal, "edge signal");
            }

            summary["elapsed_s"] = clock.Elapsed.TotalSeconds;
            Results.Report(r.GetValue(a.Json), summary);
            return 0;
        }));
        return c;
    }
}
