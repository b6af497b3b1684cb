using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.MapReduce;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser com FILE -o OUT.emd --json</c>: centre of mass of every pattern (shift maps y, x and intensity).</summary>
internal static class CenterOfMassCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var center = new Option<string?>("--center") { Description = "CY:CX reference centre in detector pixels (default: the detected bright-field disk)" };
        var output = new Option<string>("--output", "-o") { Description = "output EMD file", Required = true };
        var workers = new Option<int>("--workers") { Description = "threads (default: all cores)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "print a JSON summary" };
        var c = new Command("com", "centre of mass of every diffraction pattern of a 4D-STEM scan, with DPC divergence, curl and iDPC for 2-d scans");
        common.AddTo(c);
        foreach (var o in new Option[] { center, output, workers, json })
        {
            c.Options.Add(o);
        }

        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = common.Open(r);
            var ds = file.Datasets[0];
            FourDStemInputs.Detector(ds);
            var (cy, cx) = r.GetValue(center) is { } text ? VirtualImageCommand.Pair(text, "--center") : VirtualImageCommand.DetectCenter(ds);
            var com = new CenterOfMass(ds.FrameCount, cy, cx);
            var pass = Stopwatch.StartNew();
            FrameExecutor.RunParallel(ds, [com], r.GetValue(workers), progress: ConsoleProgress.For("centre of mass", ds.ByteLength), cancel: ConsoleProgress.Cancel);
            double passSeconds = pass.Elapsed.TotalSeconds;
            var parameters = new MetadataTree();
            parameters["center_y_px"] = cy;
            parameters["center_x_px"] = cx;
            var outPath = r.GetValue(output)!;
            (double Angle, bool Flip)? rotation = null;
            var maps = new List<(string, double[])> { ("com shift y", com.ShiftY), ("com shift x", com.ShiftX), ("intensity", com.Total) };
            if (ds.Shape.Navigation.Count == 2)
            {
                // DPC: the shift field's divergence and curl, and its integrated potential (iDPC).
                // Rotation calibration between detector and scan (the curl-free orientation), then the DPC maps in the scan frame.
                int ny = ds.Shape.Navigation[0], nx = ds.Shape.Navigation[1];
                var (angle, flip) = Dpc.FindRotation(com.ShiftY, com.ShiftX, ny, nx);
                parameters["rotation_deg"] = angle;
                parameters["rotation_flip"] = flip;
                var (fy, fx) = Dpc.Rotate(com.ShiftY, com.ShiftX, angle, flip);
                rotation = (angle, flip);
                maps.Add(("dpc field y (scan frame)", fy));
                maps.Add(("dpc field x (scan frame)", fx));
                maps.Add(("dpc divergence", Dpc.Divergence(fy, fx, ny, nx)));
                maps.Add(("dpc curl", Dpc.Curl(fy, fx, ny, nx)));
                maps.Add(("idpc", Dpc.Integrate(fy, fx, ny, nx)));
                Rendering.PngRenderer.WriteVectorField(Path.ChangeExtension(r.GetValue(output)!, ".field.png"), fy, fx, ny, nx, ds.Axes[1]);
            }

            Results.WriteScanMaps(outPath, file, ds, "com", maps, "com", parameters);
            var figure = ds.Shape.Navigation.Count == 2 ? Results.WriteFigure(outPath, ds, maps[^1].Item2, "iDPC") : null;
            Results.Report(r.GetValue(json), new JsonObject
            {
                ["elapsed_s"] = clock.Elapsed.TotalSeconds,
                ["bytes_read"] = ds.ByteLength,
                ["pass_s"] = passSeconds,
                ["gb_per_s"] = ds.ByteLength / passSeconds / 1e9,
                ["output"] = outPath,
                ["sum"] = com.Total.Sum(),
                ["center"] = new JsonArray(cy, cx),
                ["mean_shift"] = new JsonArray(Mean(com.ShiftY), Mean(com.ShiftX)),
                ["figure"] = figure,
                ["rotation_deg"] = rotation?.Angle,
                ["rotation_flip"] = rotation?.Flip,
            });
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
