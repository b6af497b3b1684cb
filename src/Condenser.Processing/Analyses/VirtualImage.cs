using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Kernels;

namespace Condenser.Processing.Analyses;

/// <summary>The parameters of an annular virtual detector.</summary>
/// <param name="Inner">Inner radius (a pixel counts when Inner ≤ r &lt; Outer).</param>
/// <param name="Outer">Outer radius.</param>
/// <param name="InMrad">True when the radii are scattering angles in mrad, false for detector pixels.</param>
/// <param name="Center">Centre (row, column) in detector pixels; null: the bright-field disk of the sampled mean pattern.</param>
/// <param name="Descan">Correct the descan shift: a plane fitted to the centre of mass over the scan moves the detector.</param>
public sealed record VirtualImageParameters(double Inner, double Outer, bool InMrad = false, (double Y, double X)? Center = null, bool Descan = false)
{
    /// <summary>The bright-field disk of a mean pattern as a detector (the catalogue's preview of a 4D-STEM scan).</summary>
    public static VirtualImageParameters BrightField(ReadOnlySpan<double> meanPattern, int height, int width, out BrightFieldDisk disk)
    {
        disk = BrightFieldDisk.Detect(meanPattern, width);
        double r = disk.Radius > 0.5 ? disk.Radius : Math.Max(height, width);
        return new VirtualImageParameters(0, r, false, (disk.CenterY, disk.CenterX));
    }
}

/// <summary>
/// Virtual image: the sum of each pattern of a 4D-STEM scan over an annular detector, as a map over the scan.
/// The CLI's <c>virtual-image</c>, the catalogue's bright-field preview and the viewer's virtual detector.
/// </summary>
public static class VirtualImage
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "virtual-image";

    /// <summary>Version of the method.</summary>
    public const int Version = 2;

    /// <summary>Title of the result map.</summary>
    public const string Title = "virtual image";

    /// <summary>Runs the detector over the run's positions.</summary>
    public static AnalysisResult Run(AnalysisRun run, VirtualImageParameters p)
    {
        var ds = run.Dataset;
        var (h, w) = FourDStemInputs.Detector(ds);
        if (!double.IsFinite(p.Inner) || !double.IsFinite(p.Outer) || p.Inner < 0 || p.Outer <= p.Inner)
        {
            throw new ArgumentException($"--annulus {p.Inner:G6}:{p.Outer:G6}: the radii need 0 ≤ inner < outer");
        }

        var (cy, cx) = p.Center ?? FourDStemInputs.DiskCenter(ds);
        double pixelsPerUnit = 1;
        if (p.InMrad)
        {
            pixelsPerUnit = 1 / (DetectorCalibration.MradPerPixel(ds)
                ?? throw new ArgumentException($"{ds.Name}: --mrad needs the detector axes in mrad/rad, or in 1/nm with the beam energy; this file has '{ds.Axes[^1].Units}'{(ds.Metadata.BeamEnergyKeV is null ? " and no beam energy" : string.Empty)}"));
        }

        double inner = p.Inner * pixelsPerUnit, outer = p.Outer * pixelsPerUnit;
        var spans = PixelSpans.Annulus(h, w, cy, cx, inner, outer);
        if (PixelSpans.Count(spans) == 0)
        {
            double farthest = Math.Sqrt(Math.Pow(Math.Max(cy, h - 1 - cy), 2) + Math.Pow(Math.Max(cx, w - 1 - cx), 2));
            throw new ArgumentException(FormattableString.Invariant($"{ds.Name}: the annulus {p.Inner:G6}:{p.Outer:G6}{(p.InMrad ? " mrad" : " px")} ({inner:G4} to {outer:G4} px from the centre) holds no detector pixel: the detector's farthest pixel is {farthest:G4} px from the centre"));
        }

        var parameters = new MetadataTree();
        parameters["annulus_inner_px"] = inner;
        parameters["annulus_outer_px"] = outer;
        parameters["radii_given_in"] = p.InMrad ? "mrad" : "px";
        parameters["center_y_px"] = cy;
        parameters["center_x_px"] = cx;
        parameters["pixels_in_detector"] = PixelSpans.Count(spans);
        Func<long, (int, int)>? shiftOf = null;
        if (p.Descan)
        {
            if (ds.Shape.Navigation.Count != 2)
            {
                throw new ArgumentException($"{ds.Name}: --descan needs a 2-d scan");
            }

            var com = new CenterOfMass(cy, cx);
            run.Pass("descan", [com]);
            int nx = ds.Shape.Navigation[1];
            var fit = Descan.Fit(com.ShiftY, com.ShiftX, ds.Shape.Navigation[0], nx);
            shiftOf = q => fit.WholePixels(q, nx);
            parameters["descan_plane_px"] = $"y = {fit.Y0:G6} + {fit.Yy:G6}·row + {fit.Yx:G6}·col; x = {fit.X0:G6} + {fit.Xy:G6}·row + {fit.Xx:G6}·col";
        }

        var reducer = new VirtualDetectors([spans], shiftOf);
        run.Pass(Title, [reducer]);
        var image = reducer.Images[0];
        var summary = new JsonObject
        {
            ["sum"] = FiniteSum(image),
            ["center"] = new JsonArray(cy, cx),
            ["pixels_in_detector"] = PixelSpans.Count(spans),
        };
        return run.Result(Name, Version, parameters, [ResultDatasets.ScanMap(ds, Title, image)], summary);
    }

    /// <summary>The sum of the finite values (positions not visited are NaN).</summary>
    public static double FiniteSum(ReadOnlySpan<double> values)
    {
        double s = 0;
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                s += v;
            }
        }

        return s;
    }
}
