using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Kernels;

namespace Condenser.Processing.Analyses;

/// <summary>The shape of a virtual detector (LiberTEM's: disk, ring, rectangle, point).</summary>
public enum DetectorShape
{
    /// <summary>Pixels with inner ≤ r &lt; outer from the centre.</summary>
    Annulus,

    /// <summary>Pixels with r &lt; outer from the centre (an annulus with no hole).</summary>
    Disk,

    /// <summary>Pixels within the rectangle <see cref="VirtualImageParameters.Size"/> centred on the centre.</summary>
    Rectangle,

    /// <summary>The one pixel nearest the centre.</summary>
    Point,
}

/// <summary>The parameters of a virtual detector: an annulus (the default), a disk, a rectangle or a point.</summary>
/// <param name="Inner">Inner radius (a pixel counts when Inner ≤ r &lt; Outer); 0 for a disk.</param>
/// <param name="Outer">Outer radius (annulus and disk).</param>
/// <param name="InMrad">True when radii and sizes are scattering angles in mrad, false for detector pixels.</param>
/// <param name="Center">Centre (row, column) in detector pixels; null: the bright-field disk of the sampled mean pattern.</param>
/// <param name="Descan">Correct the descan shift: a plane fitted to the centre of mass over the scan moves the detector.</param>
/// <remarks>
/// LiberTEM's disk and ring count the rim (r ≤ outer, inner &lt; r); Condenser counts the inner rim and not the outer
/// (inner ≤ r &lt; outer), so the two differ only by pixels whose centre lies exactly on a rim.
/// </remarks>
public sealed record VirtualImageParameters(double Inner, double Outer, bool InMrad = false, (double Y, double X)? Center = null, bool Descan = false)
{
    /// <summary>The detector's shape.</summary>
    public DetectorShape Shape { get; init; } = DetectorShape.Annulus;

    /// <summary>Rows and columns of a rectangle (pixels, or mrad with <see cref="InMrad"/>), centred on <see cref="Center"/>.</summary>
    public (double Height, double Width)? Size { get; init; }

    /// <summary>A rectangle of <paramref name="height"/> × <paramref name="width"/> centred on <paramref name="center"/>.</summary>
    public static VirtualImageParameters RectangleAt((double Y, double X)? center, double height, double width, bool inMrad = false)
        => new(0, 0, inMrad, center) { Shape = DetectorShape.Rectangle, Size = (height, width) };

    /// <summary>A point detector: the pixel nearest <paramref name="center"/>.</summary>
    public static VirtualImageParameters PointAt((double Y, double X) center) => new(0, 0, false, center) { Shape = DetectorShape.Point };

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
        var (cy, cx) = p.Center ?? FourDStemInputs.DiskCenter(ds);
        if (!double.IsFinite(cy) || !double.IsFinite(cx))
        {
            throw new ArgumentException($"{ds.Name}: the detector's centre ({cy}, {cx}) is not a finite position");
        }

        double pixelsPerUnit = 1;
        if (p.InMrad && p.Shape != DetectorShape.Point)
        {
            pixelsPerUnit = 1 / (DetectorCalibration.MradPerPixel(ds)
                ?? throw new ArgumentException($"{ds.Name}: --mrad needs the detector axes in mrad/rad, or in 1/nm with the beam energy; this file has '{ds.Axes[^1].Units}'{(ds.Metadata.BeamEnergyKeV is null ? " and no beam energy" : string.Empty)}"));
        }

        var parameters = new MetadataTree();
        PixelSpan[] spans;
        string described;
        string unit = p.InMrad ? " mrad" : " px";
        switch (p.Shape)
        {
            case DetectorShape.Annulus or DetectorShape.Disk:
            {
                double from = p.Shape == DetectorShape.Disk ? 0 : p.Inner;
                if (!double.IsFinite(from) || !double.IsFinite(p.Outer) || from < 0 || p.Outer <= from)
                {
                    throw new ArgumentException($"--annulus {from:G6}:{p.Outer:G6}: the radii need 0 ≤ inner < outer");
                }

                double inner = from * pixelsPerUnit, outer = p.Outer * pixelsPerUnit;
                spans = PixelSpans.Annulus(h, w, cy, cx, inner, outer);
                described = FormattableString.Invariant($"the {(p.Shape == DetectorShape.Disk ? "disk" : "annulus")} {from:G6}:{p.Outer:G6}{unit} ({inner:G4} to {outer:G4} px from the centre)");
                if (p.Shape == DetectorShape.Disk)
                {
                    parameters["detector_shape"] = "disk";
                }

                parameters["annulus_inner_px"] = inner;
                parameters["annulus_outer_px"] = outer;
                parameters["radii_given_in"] = p.InMrad ? "mrad" : "px";
                break;
            }

            case DetectorShape.Rectangle:
            {
                if (p.Size is not { } size || !(size.Height > 0) || !(size.Width > 0) || !double.IsFinite(size.Height) || !double.IsFinite(size.Width))
                {
                    throw new ArgumentException($"{ds.Name}: a rectangle detector needs a positive, finite height and width (got {p.Size?.Height:G6} × {p.Size?.Width:G6})");
                }

                double rows = size.Height * pixelsPerUnit, cols = size.Width * pixelsPerUnit;
                double top = cy - (rows / 2), left = cx - (cols / 2);
                spans = PixelSpans.Rectangle(h, w, top, left, rows, cols);
                described = FormattableString.Invariant($"the rectangle {size.Height:G6} × {size.Width:G6}{unit} at ({top:G4}, {left:G4}) px");
                parameters["detector_shape"] = "rectangle";
                parameters["rectangle_top_px"] = top;
                parameters["rectangle_left_px"] = left;
                parameters["rectangle_height_px"] = rows;
                parameters["rectangle_width_px"] = cols;
                parameters["sizes_given_in"] = p.InMrad ? "mrad" : "px";
                break;
            }

            default:
                spans = PixelSpans.Point(h, w, cy, cx);
                described = FormattableString.Invariant($"the point ({cy:G6}, {cx:G6})");
                parameters["detector_shape"] = "point";
                break;
        }

        if (PixelSpans.Count(spans) == 0)
        {
            double farthest = Math.Sqrt(Math.Pow(Math.Max(cy, h - 1 - cy), 2) + Math.Pow(Math.Max(cx, w - 1 - cx), 2));
            throw new ArgumentException(FormattableString.Invariant($"{ds.Name}: {described} holds no detector pixel of the {h}×{w} detector: its farthest pixel is {farthest:G4} px from the centre"));
        }

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
