using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.Imaging;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser atoms IMAGE --separation PX -o COLUMNS.csv</c>: atom columns (local maxima refined by 2-d Gaussians)
/// as a table with lattice indices and displacements from the fitted lattice; the power spectrum as a PNG beside it.
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
            if (ds.Shape.Signal.Count != 2 || ds.DType.IsComplex())
            {
                throw new ArgumentException($"{ds.Name}: atom finding needs a real 2-d image, not {string.Join("×", ds.Shape.Signal)} {ds.DType.Name()}");
            }

            int h = ds.Shape.Signal[0], w = ds.Shape.Signal[1];
            var frame = new byte[ds.FrameBytes];
            ds.ReadFrame(0, frame);
            var image = new double[h * w];
            ds.DType.ReadInto(frame, image);
            var columns = AtomColumns.Find(image, h, w, r.GetValue(separation), r.GetValue(threshold), r.GetValue(dark));
            var distortion = LatticeDistortion.Measure(columns, h, w);
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

            var outPath = r.GetValue(output)!;
            File.WriteAllText(outPath, csv.ToString());
            var fft = Path.ChangeExtension(outPath, ".fft.png");
            var spectrum = Fourier2D.PowerSpectrum(image, h, w);
            Condenser.Rendering.PngRenderer.Write(new Condenser.Processing.Imaging.PreviewImage(w, h, spectrum, null, new Axis("k", w, 1, 0, ""), "power spectrum"), fft, log: true);
            var displacements = distortion?.Sites.Where(s => double.IsFinite(s.DisplacementX)).Select(s => Math.Sqrt((s.DisplacementX * s.DisplacementX) + (s.DisplacementY * s.DisplacementY))).ToArray() ?? [];
            Results.Report(r.GetValue(json), new JsonObject
            {
                ["elapsed_s"] = clock.Elapsed.TotalSeconds,
                ["output"] = outPath,
                ["columns"] = columns.Length,
                ["refined"] = columns.Count(col => col.Refined),
                ["lattice"] = distortion is { } d ? new JsonArray(d.Lattice.G1Y, d.Lattice.G1X, d.Lattice.G2Y, d.Lattice.G2X) : null,
                ["rms_displacement_px"] = displacements.Length > 0 ? Math.Sqrt(displacements.Average(v => v * v)) : null,
                ["power_spectrum"] = fft,
            });
            return 0;
        }));
        return c;
    }
}
