using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;

namespace Condenser.Processing.Analyses;

/// <summary>The parameters of the centre-of-mass analysis.</summary>
/// <param name="Center">Reference centre (row, column) in detector pixels; null: the bright-field disk of the sampled mean pattern.</param>
public sealed record CenterOfMassParameters((double Y, double X)? Center = null);

/// <summary>
/// Centre of mass of every pattern (shift maps y, x and intensity); for 2-d scans the detector-to-scan rotation
/// (curl-free orientation, flip), the DPC field in the scan frame, its divergence, curl and iDPC. Work after the pass
/// is proportionate to the scan, not to the data.
/// </summary>
public static class CenterOfMassAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "com";

    /// <summary>Version of the method.</summary>
    public const int Version = 2;

    /// <summary>Titles of the DPC field maps (scan frame).</summary>
    public const string FieldY = "dpc field y (scan frame)", FieldX = "dpc field x (scan frame)", Idpc = "idpc";

    /// <summary>Runs the analysis.</summary>
    public static AnalysisResult Run(AnalysisRun run, CenterOfMassParameters p)
    {
        var ds = run.Dataset;
        FourDStemInputs.Detector(ds);
        var (cy, cx) = p.Center ?? FourDStemInputs.DiskCenter(ds);
        var com = new CenterOfMass(cy, cx);
        run.Pass("centre of mass", [com]);
        var parameters = new MetadataTree();
        parameters["center_y_px"] = cy;
        parameters["center_x_px"] = cx;
        var maps = new List<EmDataset>
        {
            ResultDatasets.ScanMap(ds, "com shift y", com.ShiftY),
            ResultDatasets.ScanMap(ds, "com shift x", com.ShiftX),
            ResultDatasets.ScanMap(ds, "intensity", com.Total),
        };
        var summary = new JsonObject
        {
            ["sum"] = VirtualImage.FiniteSum(com.Total),
            ["center"] = new JsonArray(cy, cx),
            ["mean_shift"] = new JsonArray(Mean(com.ShiftY), Mean(com.ShiftX)),
        };
        bool scan2d = ds.Shape.Navigation.Count == 2 && run.Options.Positions is null or { IsAll: true };
        if (scan2d && (ds.Shape.Navigation[0] < MinRotationScan || ds.Shape.Navigation[1] < MinRotationScan))
        {
            // Curl and divergence by differences need interior positions: a scan this small cannot tell the rotation.
            summary["rotation_deg"] = null;
            summary["rotation_flip"] = null;
            summary["rotation_undetermined"] = $"a {ds.Shape.Navigation[0]}×{ds.Shape.Navigation[1]} scan is too small to tell the detector's rotation (at least {MinRotationScan}×{MinRotationScan} positions): no DPC maps";
            return run.Result(Name, Version, parameters, maps, summary);
        }

        if (scan2d)
        {
            // Rotation calibration between detector and scan (the curl-free orientation), then the DPC maps in the scan frame.
            int ny = ds.Shape.Navigation[0], nx = ds.Shape.Navigation[1];
            var (angle, flip) = Dpc.FindRotation(com.ShiftY, com.ShiftX, ny, nx);
            parameters["rotation_deg"] = angle;
            parameters["rotation_flip"] = flip;
            var (fy, fx) = Dpc.Rotate(com.ShiftY, com.ShiftX, angle, flip);
            maps.Add(ResultDatasets.ScanMap(ds, FieldY, fy));
            maps.Add(ResultDatasets.ScanMap(ds, FieldX, fx));
            maps.Add(ResultDatasets.ScanMap(ds, "dpc divergence", Dpc.Divergence(fy, fx, ny, nx)));
            maps.Add(ResultDatasets.ScanMap(ds, "dpc curl", Dpc.Curl(fy, fx, ny, nx)));
            maps.Add(ResultDatasets.ScanMap(ds, Idpc, Dpc.Integrate(fy, fx, ny, nx)));
            summary["rotation_deg"] = angle;
            summary["rotation_flip"] = flip;
        }
        else
        {
            summary["rotation_deg"] = null;
            summary["rotation_flip"] = null;
        }

        return run.Result(Name, Version, parameters, maps, summary);
    }

    /// <summary>Smallest scan side (positions) from which the detector-to-scan rotation is determined.</summary>
    public const int MinRotationScan = 4;

    private static double Mean(double[] v)
    {
        double s = 0;
        long n = 0;
        foreach (var x in v)
        {
            if (double.IsFinite(x))
            {
                s += x;
                n++;
            }
        }

        return n == 0 ? double.NaN : s / n;
    }
}
