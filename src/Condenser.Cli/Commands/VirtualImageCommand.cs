using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Kernels;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser virtual-image FILE --annulus INNER:OUTER [--center CY:CX] -o OUT.emd --json</c>: an annular virtual
/// detector over a 4D-STEM scan (radii in detector pixels, INNER ≤ r &lt; OUTER, or in mrad), centred on the detected
/// bright-field disk unless a centre is given, optionally following the descan.
/// </summary>
internal static class VirtualImageCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var annulus = new Option<string>("--annulus") { Description = "INNER:OUTER radii in detector pixels (a pixel counts when INNER ≤ r < OUTER)", Required = true };
        var center = new Option<string?>("--center") { Description = "CY:CX detector pixel of the centre (default: the detected bright-field disk)" };
        var mrad = new Option<bool>("--mrad") { Description = "--annulus radii are scattering angles in mrad (needs a detector calibrated in angle, or in 1/length with the beam energy)" };
        var descan = new Option<bool>("--descan") { Description = "correct the descan shift: fit a plane to the centre of mass over the scan (one extra pass) and move the detector with it" };
        var c = a.Create("virtual-image", "annular virtual detector image of a 4D-STEM scan", annulus, center, mrad, descan);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Common.Open(r);
            var ds = file.Datasets[0];
            var (h, w) = FourDStemInputs.Detector(ds);
            var radii = AnalysisOptions.Pair(r.GetValue(annulus)!, "--annulus");
            var (cy, cx) = AnalysisOptions.Center(r.GetValue(center), ds);
            double pixelsPerUnit = 1;
            if (r.GetValue(mrad))
            {
                pixelsPerUnit = 1 / (DetectorCalibration.MradPerPixel(ds)
                    ?? throw new ArgumentException($"{ds.Name}: --mrad needs the detector axes in mrad/rad, or in 1/nm with the beam energy; this file has '{ds.Axes[^1].Units}'{(ds.Metadata.BeamEnergyKeV is null ? " and no beam energy" : string.Empty)}"));
            }

            var spans = PixelSpans.Annulus(h, w, cy, cx, radii.A * pixelsPerUnit, radii.B * pixelsPerUnit);
            var parameters = new MetadataTree();
            parameters["annulus_inner_px"] = radii.A * pixelsPerUnit;
            parameters["annulus_outer_px"] = radii.B * pixelsPerUnit;
            parameters["radii_given_in"] = r.GetValue(mrad) ? "mrad" : "px";
            parameters["center_y_px"] = cy;
            parameters["center_x_px"] = cx;
            parameters["pixels_in_detector"] = PixelSpans.Count(spans);
            Func<long, (int, int)>? shiftOf = null;
            if (r.GetValue(descan))
            {
                if (ds.Shape.Navigation.Count != 2)
                {
                    throw new ArgumentException($"{ds.Name}: --descan needs a 2-d scan");
                }

                var com = new CenterOfMass(ds.FrameCount, cy, cx);
                a.Run(r, ds, "descan", com);
                int nx = ds.Shape.Navigation[1];
                var fit = Descan.Fit(com.ShiftY, com.ShiftX, ds.Shape.Navigation[0], nx);
                shiftOf = p => fit.WholePixels(p, nx);
                parameters["descan_plane_px"] = $"y = {fit.Y0:G6} + {fit.Yy:G6}·row + {fit.Yx:G6}·col; x = {fit.X0:G6} + {fit.Xy:G6}·row + {fit.Xx:G6}·col";
            }

            var reducer = new VirtualDetectors([spans], ds.FrameCount, shiftOf);
            double pass = a.Run(r, ds, "virtual image", reducer);
            var image = reducer.Images[0];
            var outPath = r.GetValue(a.Output)!;
            Results.WriteScanMaps(outPath, file, ds, [("virtual image", image)], "virtual-image", parameters);
            var summary = Results.Summary(clock, ds, outPath, pass);
            summary["sum"] = image.Sum();
            summary["center"] = new JsonArray(cy, cx);
            summary["pixels_in_detector"] = PixelSpans.Count(spans);
            summary["figure"] = Results.WriteFigure(outPath, ds, image, "virtual image");
            Results.Report(r.GetValue(a.Json), summary);
            return 0;
        }));
        return c;
    }
}
