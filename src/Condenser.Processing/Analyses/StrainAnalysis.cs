using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;

namespace Condenser.Processing.Analyses;

/// <summary>A rectangle of scan positions: rows <c>Y0 ≤ y &lt; Y1</c>, columns <c>X0 ≤ x &lt; X1</c>.</summary>
public readonly record struct ScanRegion(int Y0, int Y1, int X0, int X1)
{
    /// <summary>Refuses a region that is empty or not inside an <paramref name="ny"/> × <paramref name="nx"/> scan.</summary>
    public void CheckInside(int ny, int nx)
    {
        if (Y0 < 0 || X0 < 0 || Y1 > ny || X1 > nx || Y1 <= Y0 || X1 <= X0)
        {
            throw new ArgumentException($"region {this} is not inside the {ny}×{nx} scan");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Y0}:{Y1},{X0}:{X1}";
}

/// <summary>The parameters of the strain analysis.</summary>
/// <param name="Reference">Scan region whose mean lattice is the unstrained reference; null: the whole scan.</param>
/// <param name="MinSpacing">Smallest distance between Bragg disks (detector pixels, &gt; 0).</param>
/// <param name="MinRelativeIntensity">Weakest disk kept, as a fraction of the strongest (0 ≤ value &lt; 1).</param>
public sealed record StrainParameters(ScanRegion? Reference = null, double MinSpacing = 5, double MinRelativeIntensity = 0.02)
{
    /// <summary>Refuses parameters out of range.</summary>
    public void Check()
    {
        if (!(MinSpacing > 0) || !double.IsFinite(MinSpacing))
        {
            throw new ArgumentException($"the smallest disk spacing {MinSpacing} px must be a positive number");
        }

        if (!(MinRelativeIntensity >= 0 && MinRelativeIntensity < 1))
        {
            throw new ArgumentException($"the weakest disk {MinRelativeIntensity} must lie in 0 ≤ value < 1 of the strongest");
        }
    }
}

/// <summary>
/// Strain maps of a 4D-STEM scan: Bragg disks in every pattern by template matching (the bright-field disk of the
/// mean pattern as probe), the lattice refined per position from the mean pattern's lattice, and εxx, εyy, εxy and
/// the rotation (rad) against the mean lattice of the reference region; the number of disks found per position.
/// </summary>
public static class StrainAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "strain";

    /// <summary>Version of the method.</summary>
    public const int Version = 1;

    /// <summary>Titles of the maps.</summary>
    public const string Exx = "strain exx", Eyy = "strain eyy", Exy = "strain exy", Rotation = "rotation (rad)", Disks = "disks found";

    /// <summary>Runs the analysis over the whole scan.</summary>
    public static AnalysisResult Run(AnalysisRun run, StrainParameters p)
    {
        p.Check();
        var ds = run.Dataset;
        var (h, w) = FourDStemInputs.Detector(ds);
        if (ds.Shape.Navigation.Count != 2)
        {
            throw new ArgumentException($"{ds.Name}: strain maps need a 2-d scan");
        }

        int ny = ds.Shape.Navigation[0], nx = ds.Shape.Navigation[1];
        var reference = p.Reference ?? new ScanRegion(0, ny, 0, nx);
        reference.CheckInside(ny, nx);
        var mean = FourDStemInputs.SampledMeanPattern(ds);
        var options = new BraggOptions(MinSpacing: p.MinSpacing, MinRelativeIntensity: p.MinRelativeIntensity);
        LatticeFit fit;
        try
        {
            fit = new LatticeFit(mean, h, w, options);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{ds.Name}: {e.Message}", e);
        }

        var bragg = new BraggDiskReducer(fit.Finder);
        run.Pass("bragg disks", [bragg], costPerByte: 20);
        var lattices = bragg.Peaks.Select(peaks => peaks is null ? null : fit.Fit(peaks)).ToArray();
        var refLattice = Lattice.Mean(Enumerable.Range(reference.Y0, reference.Y1 - reference.Y0)
                .SelectMany(y => Enumerable.Range(reference.X0, reference.X1 - reference.X0).Select(x => lattices[(y * nx) + x])))
            ?? throw new ArgumentException("no pattern of the reference region could be indexed");
        var maps = new[] { Exx, Eyy, Exy, Rotation }.Select(_ => new double[ds.FrameCount]).ToArray();
        var disks = new double[ds.FrameCount];
        for (int i = 0; i < ds.FrameCount; i++)
        {
            disks[i] = bragg.Peaks[i]?.Length ?? 0;
            var e = lattices[i]?.StrainRelativeTo(refLattice);
            maps[0][i] = e?.Exx ?? double.NaN;
            maps[1][i] = e?.Eyy ?? double.NaN;
            maps[2][i] = e?.Exy ?? double.NaN;
            maps[3][i] = e?.Rotation ?? double.NaN;
        }

        var parameters = new MetadataTree();
        parameters["reference_region"] = reference.ToString();
        parameters["min_spacing_px"] = options.MinSpacing;
        parameters["min_relative_intensity"] = options.MinRelativeIntensity;
        parameters["probe_radius_px"] = fit.Disk.Radius;
        parameters["g1_px"] = $"{refLattice.G1Y:G6},{refLattice.G1X:G6}";
        parameters["g2_px"] = $"{refLattice.G2Y:G6},{refLattice.G2X:G6}";
        var summary = new JsonObject
        {
            ["indexed_fraction"] = lattices.Count(l => l is not null) / (double)lattices.Length,
            ["mean_disks"] = disks.Average(),
            ["g1"] = new JsonArray(refLattice.G1Y, refLattice.G1X),
            ["g2"] = new JsonArray(refLattice.G2Y, refLattice.G2X),
        };
        var sets = new[] { (Exx, maps[0]), (Eyy, maps[1]), (Exy, maps[2]), (Rotation, maps[3]), (Disks, disks) }
            .Select(m => ResultDatasets.ScanMap(ds, m.Item1, m.Item2)).ToList();
        return run.Result(Name, Version, parameters, sets, summary);
    }
}
