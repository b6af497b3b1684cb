using System.Numerics;
using Condenser.Data;
using Condenser.Processing.Imaging;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>A diffracted disk: its centre and correlation strength.</summary>
/// <param name="Y">Centre row.</param>
/// <param name="X">Centre column.</param>
/// <param name="Intensity">Cross-correlation peak height.</param>
/// <remarks>Units: detector pixels.</remarks>
public readonly record struct BraggPeak(double Y, double X, double Intensity);

/// <summary>Options of the Bragg disk search.</summary>
/// <param name="MinSpacing">Peaks closer than this to a stronger peak are dropped (detector pixels).</param>
/// <param name="MinRelativeIntensity">Peaks weaker than this fraction of the strongest are dropped.</param>
/// <param name="MaxPeaks">At most this many peaks per pattern, strongest first.</param>
/// <param name="EdgeBoundary">Peaks closer than this to the detector edge are dropped (detector pixels).</param>
/// <param name="CorrelationPower">1: cross-correlation; 0: phase correlation; between: the hybrid (py4DSTEM's corrPower).</param>
public sealed record BraggOptions(double MinSpacing = 5, double MinRelativeIntensity = 0.005, int MaxPeaks = 64, double EdgeBoundary = 2, double CorrelationPower = 1);

/// <summary>
/// Bragg disk detection by template matching: each pattern is cross-correlated (FFT) with the measured probe, local
/// maxima are kept by strength and spacing, and each is refined to sub-pixel precision by the centroid of
/// its top half.
/// </summary>
public sealed class BraggDisks
{
    private readonly int _height, _width;
    private readonly Complex[] _templateConjugate;
    private readonly BraggOptions _options;
    private readonly double _refineRadius;

    /// <summary>Prepares the search with the probe (a vacuum pattern, or the bright-field disk), centred on its centre of mass.</summary>
    public BraggDisks(ReadOnlySpan<double> probe, int height, int width, BraggOptions? options = null)
    {
        if (probe.Length != height * width || height < 4 || width < 4)
        {
            throw new ArgumentException($"a probe of {probe.Length} values for a {height}×{width} detector");
        }

        _height = height;
        _width = width;
        _options = options ?? new BraggOptions();
        double total = 0, cy = 0, cx = 0;
        for (int i = 0; i < probe.Length; i++)
        {
            double v = Math.Max(0, probe[i]);
            total += v;
            cy += v * (i / width);
            cx += v * (i % width);
        }

        if (!(total > 0))
        {
            throw new ArgumentException("the probe has no positive intensity");
        }

        // The probe's disk radius, from its area above half its maximum: a correlation peak's top half spans about that
        // radius, so the sub-pixel centroid looks that far (a window set by the disks' spacing cut the peak unevenly).
        double top = 0;
        foreach (var v in probe)
        {
            top = Math.Max(top, v);
        }

        int above = 0;
        foreach (var v in probe)
        {
            above += v >= top / 2 ? 1 : 0;
        }

        ProbeRadius = Math.Sqrt(above / Math.PI);
        _refineRadius = Math.Max(1.5, ProbeRadius);

        // The template is the probe rolled so that its centre of mass sits at pixel (0, 0), normalised to unit sum.
        int sy = (int)Math.Round(cy / total), sx = (int)Math.Round(cx / total);
        var rolled = new double[probe.Length];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int ty = ((y - sy) % height + height) % height, tx = ((x - sx) % width + width) % width;
                rolled[(ty * width) + tx] = Math.Max(0, probe[(y * width) + x]) / total;
            }
        }

        // The fractional part of the centre is removed by the shift theorem: f(r + d) ↔ F(k)·e^{2πi k·d}.
        double fy = (cy / total) - sy, fx = (cx / total) - sx;
        _templateConjugate = Fourier2D.Forward(rolled, height, width);
        for (int y = 0; y < height; y++)
        {
            double ky = Fourier2D.Frequency(y, height);
            for (int x = 0; x < width; x++)
            {
                double phase = 2 * Math.PI * ((ky * fy) + (Fourier2D.Frequency(x, width) * fx));
                int i = (y * width) + x;
                _templateConjugate[i] = Complex.Conjugate(_templateConjugate[i] * Complex.FromPolarCoordinates(1, phase));
            }
        }
    }

    /// <summary>Radius of the probe's disk (detector pixels): √(area above half its maximum / π).</summary>
    public double ProbeRadius { get; }

    /// <summary>The cross-correlation of a pattern with the probe (peaks at disk centres).</summary>
    public double[] Correlate(ReadOnlySpan<double> pattern)
    {
        var f = Fourier2D.Forward(pattern, _height, _width);
        double power = _options.CorrelationPower;
        for (int i = 0; i < f.Length; i++)
        {
            var p = f[i] * _templateConjugate[i];
            if (power != 1)
            {
                double m = p.Magnitude;
                p = m > 0 ? p * Math.Pow(m, power - 1) : Complex.Zero;
            }

            f[i] = p;
        }

        return Fourier2D.InverseReal(f, _height, _width);
    }

    /// <summary>The disks of one pattern, strongest first.</summary>
    public BraggPeak[] Find(ReadOnlySpan<double> pattern)
    {
        var c = Correlate(pattern);
        return Peaks(c, _height, _width, _options, _refineRadius);
    }

    /// <summary>
    /// Local maxima of an image with sub-pixel refinement (the centroid of each peak's top half within
    /// <paramref name="refineRadius"/> pixels; by default half the smallest spacing), filtered by strength, spacing and
    /// edge distance.
    /// </summary>
    public static BraggPeak[] Peaks(double[] image, int height, int width, BraggOptions options, double? refineRadius = null)
    {
        var candidates = new List<(int Y, int X, double V)>();
        double max = double.MinValue;
        for (int y = 1; y < height - 1; y++)
        {
            for (int x = 1; x < width - 1; x++)
            {
                double v = image[(y * width) + x];
                if (v <= 0)
                {
                    continue;
                }

                bool peak = true;
                for (int dy = -1; dy <= 1 && peak; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        if ((dy != 0 || dx != 0) && image[((y + dy) * width) + x + dx] > v)
                        {
                            peak = false;
                            break;
                        }
                    }
                }

                if (peak)
                {
                    candidates.Add((y, x, v));
                    max = Math.Max(max, v);
                }
            }
        }

        candidates.Sort((a, b) => b.V.CompareTo(a.V));
        var kept = new List<BraggPeak>();
        double spacing2 = options.MinSpacing * options.MinSpacing;
        foreach (var (y, x, v) in candidates)
        {
            if (v < options.MinRelativeIntensity * max || kept.Count >= options.MaxPeaks)
            {
                break;
            }

            var (py, px) = Centroid(image, height, width, y, x, v, refineRadius ?? Math.Max(1.5, options.MinSpacing / 2));
            if (py < options.EdgeBoundary || px < options.EdgeBoundary || py > height - 1 - options.EdgeBoundary || px > width - 1 - options.EdgeBoundary)
            {
                continue;
            }

            if (kept.Any(k => ((k.Y - py) * (k.Y - py)) + ((k.X - px) * (k.X - px)) < spacing2))
            {
                continue;
            }

            kept.Add(new BraggPeak(py, px, v));
        }

        return [.. kept];
    }

    /// <summary>
    /// Sub-pixel centre of a correlation peak: the centroid of the part above half its height, within
    /// <paramref name="radius"/> of the maximum, iterated three times around the moving centre (the peak of two
    /// disks' overlap is a symmetric cone, so the centroid of its top is unbiased; a stronger neighbour's slope is
    /// cut off by the half-height level).
    /// </summary>
    private static (double Y, double X) Centroid(double[] image, int height, int width, int y0, int x0, double peak, double radius)
    {
        double cy = y0, cx = x0, level = peak / 2;
        for (int iteration = 0; iteration < 3; iteration++)
        {
            double sw = 0, sy = 0, sx = 0;
            int r = (int)Math.Ceiling(radius);
            for (int y = Math.Max(0, (int)cy - r); y <= Math.Min(height - 1, (int)cy + r + 1); y++)
            {
                for (int x = Math.Max(0, (int)cx - r); x <= Math.Min(width - 1, (int)cx + r + 1); x++)
                {
                    double w = image[(y * width) + x] - level;
                    if (w > 0 && ((y - cy) * (y - cy)) + ((x - cx) * (x - cx)) <= radius * radius)
                    {
                        sw += w;
                        sy += w * y;
                        sx += w * x;
                    }
                }
            }

            if (sw <= 0)
            {
                break;
            }

            cy = sy / sw;
            cx = sx / sw;
        }

        return Math.Abs(cy - y0) <= 1 && Math.Abs(cx - x0) <= 1 ? (cy, cx) : (y0, x0);
    }
}

/// <summary>Bragg disks of every pattern of a dataset (map-reduce; the correlation runs on every worker).</summary>
public sealed class BraggDiskReducer(BraggDisks finder) : IFrameReducer
{
    /// <summary>The disks found at each scan position (null where a run did not visit).</summary>
    public BraggPeak[][] Peaks { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) => [BufferDeclaration.PerPosition<BraggPeak[]>("peaks")];

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        var peaks = results.Get<BraggPeak[]>(0);
        var pattern = results.WorkerState as double[] ?? (double[])(results.WorkerState = new double[tile.FrameLength]);
        for (int f = 0; f < tile.Count; f++)
        {
            tile.Layout.DType.ReadInto(tile.FrameBytes(f), pattern);
            peaks[tile.Positions[f]] = finder.Find(pattern);
        }
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results) => Peaks = results.Get<BraggPeak[]>(0);
}
