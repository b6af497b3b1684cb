using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser com FILE -o OUT.emd --json</c>: centre of mass of every pattern (shift maps y, x and intensity); for
/// 2-d scans the detector-to-scan rotation, the DPC field in the scan frame, its divergence, curl and iDPC.
/// </summary>
internal static class CenterOfMassCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var center = new Option<string?>("--center") { Description = "CY:CX reference centre in detector pixels (default: the detected bright-field disk)" };
        var c = a.Create("com", "centre of mass of every diffraction pattern of a 4D-STEM scan, with DPC divergence, curl and iDPC for 2-d scans", center);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Common.Open(r);
            var ds = file.Datasets[0];
            FourDStemInputs.Detector(ds);
            var (cy, cx) = AnalysisOptions.Center(r.GetValue(center), ds);
            var com = new CenterOfMass(ds.FrameCount, cy, cx);
            double pass = a.Run(r, ds, "centre of mass", com);
            var parameters = new MetadataTree();
            parameters["center_y_px"] = cy;
            parameters["center_x_px"] = cx;
            var outPath = r.GetValue(a.Output)!;
            var maps = new List<(string, double[])> { ("com shift y", com.ShiftY), ("com shift x", com.ShiftX), ("intensity", com.Total) };
            (double Angle, bool Flip)? rotation = null;
            if (ds.Shape.Navigation.Count == 2)
            {
                // Rotation calibration between detector and scan (the curl-free orientation), then the DPC maps in the scan frame.
                int ny = ds.Shape.Navigation[0], nx = ds.Shape.Navigation[1];
                var (angle, flip) = Dpc.FindRotation(com.ShiftY, com.ShiftX, ny, nx);
                rotation = (angle, flip);
                parameters["rotation_deg"] = angle;
                parameters["rotation_flip"] = flip;
                var (fy, fx) = Dpc.Rotate(com.ShiftY, com.ShiftX, angle, flip);
                maps.Add(("dpc field y (scan frame)", fy));
                maps.Add(("dpc field x (scan frame)", fx));
                maps.Add(("dpc divergence", Dpc.Divergence(fy, fx, ny, nx)));
                maps.Add(("dpc curl", Dpc.Curl(fy, fx, ny, nx)));
                maps.Add(("idpc", Dpc.Integrate(fy, fx, ny, nx)));
                Condenser.Processing.Rendering.PngRenderer.WriteVectorField(Path.ChangeExtension(outPath, ".field.png"), fy, fx, ny, nx, ds.Axes[1]);
            }

            Results.WriteScanMaps(outPath, file, ds, maps, "com", parameters);
            var summary = Results.Summary(clock, ds, outPath, pass);
            summary["sum"] = com.Total.Sum();
            summary["center"] = new JsonArray(cy, cx);
            summary["mean_shift"] = new JsonArray(Mean(com.ShiftY), Mean(com.ShiftX));
            summary["figure"] = rotation is null ? null : Results.WriteFigure(outPath, ds, maps[^1].Item2, "iDPC");
            summary["rotation_deg"] = rotation?.Angle;
            summary["rotation_flip"] = rotation?.Flip;
            Results.Report(r.GetValue(a.Json), summary);
            return 0;
        }));
        return c;
    }

    private static double Mean(double[] v)
    {
        var finite = v.Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? double.NaN : finite.Average();
    }
}
