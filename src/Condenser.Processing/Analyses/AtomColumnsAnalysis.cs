using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Imaging;

namespace Condenser.Processing.Analyses;

/// <summary>The parameters of atom-column finding.</summary>
/// <param name="Separation">Smallest distance between columns (pixels, ≥ 2).</param>
/// <param name="Threshold">Relative intensity a column must exceed (0 ≤ value ≤ 1).</param>
/// <param name="Dark">Columns are dark (annular bright field), not bright.</param>
public sealed record AtomColumnsParameters(double Separation, double Threshold = 0.2, bool Dark = false)
{
    /// <summary>Refuses parameters out of range.</summary>
    public void Check()
    {
        if (!(Separation >= 2) || !double.IsFinite(Separation))
        {
            throw new ArgumentException($"the column separation {Separation} px must be a number of at least 2 px");
        }

        if (!(Threshold >= 0 && Threshold <= 1))
        {
            throw new ArgumentException($"the threshold {Threshold} must lie in 0..1");
        }
    }
}

/// <summary>What atom-column finding returns beside its result: the columns and their lattice.</summary>
/// <param name="Result">The power spectrum of the image as a dataset, the summary and the provenance.</param>
/// <param name="Columns">The columns (pixel coordinates, Gaussian width, amplitude, background, refined or not).</param>
/// <param name="Distortion">The lattice fitted to the columns with each column's indices and displacement; null when none fits.</param>
public sealed record AtomColumnsResult(AnalysisResult Result, AtomColumn[] Columns, (Lattice Lattice, SiteDisplacement[] Sites)? Distortion);

/// <summary>
/// Atom columns of a high-resolution image: local maxima (or minima with <see cref="AtomColumnsParameters.Dark"/>)
/// refined by 2-d Gaussians, the lattice fitted to them with every column's displacement from it, and the image's
/// power spectrum (Hann window).
/// </summary>
public static class AtomColumnsAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "atoms";

    /// <summary>Version of the method.</summary>
    public const int Version = 1;

    /// <summary>Title of the power spectrum.</summary>
    public const string PowerSpectrum = "power spectrum";

    /// <summary>Runs the analysis on the first frame of a real 2-d image.</summary>
    public static AtomColumnsResult Run(AnalysisRun run, AtomColumnsParameters p)
    {
        p.Check();
        var ds = run.Dataset;
        if (ds.Shape.Signal.Count != 2 || ds.DType.IsComplex())
        {
            throw new ArgumentException($"{ds.Name}: atom finding needs a real 2-d image, not {string.Join("×", ds.Shape.Signal)} {ds.DType.Name()}");
        }

        string units = ds.Axes[^1].Units;
        if (ds.Metadata.SignalType is Data.SignalTypes.Diffraction or Data.SignalTypes.FourDStem || units.StartsWith("1/", StringComparison.Ordinal) || units is "mrad" or "rad")
        {
            throw new ArgumentException($"{ds.Name}: atom columns are found in a real-space image; this is a diffraction pattern ({(units.Length > 0 ? $"axes in {units}" : "signal type " + ds.Metadata.SignalType)}), whose peaks are reflections, not atoms");
        }

        int h = ds.Shape.Signal[0], w = ds.Shape.Signal[1];
        var frame = new byte[ds.FrameBytes];
        ds.ReadFrame(0, frame);
        var image = new double[h * w];
        ds.DType.ReadInto(frame, image);
        run.ThrowIfCancelled();
        var columns = AtomColumns.Find(image, h, w, p.Separation, p.Threshold, p.Dark);
        var distortion = LatticeDistortion.Measure(columns, h, w);
        var spectrum = Fourier2D.PowerSpectrum(image, h, w);
        var parameters = new MetadataTree();
        parameters["separation_px"] = p.Separation;
        parameters["threshold"] = p.Threshold;
        parameters["dark"] = p.Dark;
        var displacements = distortion?.Sites.Where(s => double.IsFinite(s.DisplacementX))
            .Select(s => Math.Sqrt((s.DisplacementX * s.DisplacementX) + (s.DisplacementY * s.DisplacementY))).ToArray() ?? [];
        var summary = new JsonObject
        {
            ["columns"] = columns.Length,
            ["refined"] = columns.Count(col => col.Refined),
            ["lattice"] = distortion is { } d ? new JsonArray(d.Lattice.G1Y, d.Lattice.G1X, d.Lattice.G2Y, d.Lattice.G2X) : null,
            ["rms_displacement_px"] = displacements.Length > 0 ? Math.Sqrt(displacements.Average(v => v * v)) : null,
        };
        var axes = new[] { new Axis("ky", h, 1, 0, string.Empty), new Axis("kx", w, 1, 0, string.Empty) };
        var power = ResultDatasets.Float64(PowerSpectrum, new DatasetShape([], [h, w]), axes, spectrum, ds.Metadata);
        return new AtomColumnsResult(run.Result(Name, Version, parameters, [power], summary), columns, distortion);
    }
}
