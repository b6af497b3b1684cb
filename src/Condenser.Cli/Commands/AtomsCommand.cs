using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Formats;
using Condenser.Processing.Analyses;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser atoms IMAGE --separation PX -o COLUMNS.csv</c>: atom columns (local maxima refined by 2-d Gaussians)
/// as a table with lattice indices and displacements from the fitted lattice; the power spectrum as a PNG beside it
/// (<see cref="AtomColumnsAnalysis"/>).
/// </summary>
internal static class AtomsCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var separation = new Option<double>("--separation") { Description = "smallest distance between columns, pixels", Required = true };
        var threshold = new Option<double>("--threshold") { Description = "relative intensity a column must exceed (0..1)", DefaultValueFactory = _ => 0.2 };
        var dark = new Option<bool>("--dark") { Description = "columns are dark (ABF)" };
        var output = new Option<string>("--output", "-o") { Description = "output CSV table", Required = true };
        var json = new Option<bool>("--json") { Description = "print a JSON summary" };
        var c = new Command("atoms", "atom-column positions of an image (table), lattice distortion and the image's power spectrum");
        common.AddTo(c);
        foreach (var o in new Option[] { separation, threshold, dark, output, json })
        {
            c.Options.Add(o);
        }

        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = common.Open(r);
            var ds = file.Datasets[0];
            var run = new AnalysisRun(ds, file.Path, new AnalysisRunOptions { Cancel = ConsoleProgress.Cancel });
            var found = AtomColumnsAnalysis.Run(run, new AtomColumnsParameters(r.GetValue(separation), r.GetValue(threshold), r.GetValue(dark)));
            var (columns, distortion) = (found.Columns, found.Distortion);
            var ay = ds.Axes[^2];
            var ax = ds.Axes[^1];
            var csv = new StringBuilder("y_px,x_px,y,x,units,sigma_px,amplitude,background,refined,h,k,displacement_y_px,displacement_x_px\n");
            for (int i = 0; i < columns.Length; i++)
            {
                var col = columns[i];
                var site = distortion?.Sites[i];
                csv.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"{col.Y:G9},{col.X:G9},{ay.Offset + (col.Y * ay.Scale):G9},{ax.Offset + (col.X * ax.Scale):G9},{ax.Units},{col.Sigma:G6},{col.Amplitude:G6},{col.Background:G6},{col.Refined},{site?.H},{site?.K},{site?.DisplacementY:G6},{site?.DisplacementX:G6}"));
            }

            var outPath = Results.OutputPath(r.GetValue(output)!);
            File.WriteAllText(outPath, csv.ToString());
            var fft = Path.ChangeExtension(outPath, ".fft.png");
            int h = ds.Shape.Signal[0], w = ds.Shape.Signal[1];
            Condenser.Rendering.PngRenderer.Write(new Condenser.Processing.Imaging.PreviewImage(w, h, found.Result.Values(AtomColumnsAnalysis.PowerSpectrum), null, new Axis("k", w, 1, 0, ""), "power spectrum"), fft, log: true);
            var summary = new JsonObject { ["elapsed_s"] = clock.Elapsed.TotalSeconds, ["output"] = outPath };
            foreach (var (key, value) in found.Result.Summary)
            {
                summary[key] = value?.DeepClone();
            }

            summary["power_spectrum"] = fft;
            summary["provenance"] = MetadataJson.Tree(found.Result.Provenance.ToTree());
            Results.Report(r.GetValue(json), summary, clock);
            return 0;
        }));
        return c;
    }
}
