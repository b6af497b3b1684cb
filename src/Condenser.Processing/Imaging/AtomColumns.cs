using MathNet.Numerics.LinearAlgebra;

namespace Condenser.Processing.Imaging;

/// <summary>An atom column: refined centre, Gaussian width, peak height above the local background.</summary>
/// <param name="Y">Row of the centre.</param>
/// <param name="X">Column of the centre.</param>
/// <param name="Sigma">Gaussian standard deviation.</param>
/// <param name="Amplitude">Peak height above the background.</param>
/// <param name="Background">Local background level.</param>
/// <param name="Refined">False when the Gaussian fit failed and the centre is the smoothed maximum.</param>
/// <remarks>Units: pixels; intensities in image units.</remarks>
public readonly record struct AtomColumn(double Y, double X, double Sigma, double Amplitude, double Background, bool Refined);

/// <summary>
/// Atom-column finding in HAADF/ABF images: local maxima of the Gaussian-smoothed image, at least
/// <c>minSeparation</c> apart and above a threshold, each refined by a 2-d Gaussian plus constant fitted by
/// Gauss–Newton (Levenberg damping) to the raw pixels within <c>minSeparation / 2</c> (Atomap's approach).
/// </summary>
public static class AtomColumns
{
    /// <summary>Finds the columns of an image.</summary>
    /// <param name="image">Row-major image.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="minSeparation">Smallest distance between two columns (pixels).</param>
    /// <param name="threshold">Relative threshold: a maximum counts when its smoothed value exceeds min + threshold × (max − min).</param>
    /// <param name="dark">Find minima (ABF columns) instead of maxima.</param>
    public static AtomColumn[] Find(ReadOnlySpan<double> image, int height, int width, double minSeparation, double threshold = 0.2, bool dark = false)
    {
        if (image.Length != height * width || !(minSeparation >= 2))
        {
            throw new ArgumentException($"atom finding: {image.Length} values for {height}×{width}, separation {minSeparation} (at least 2 pixels)");
        }

        var raw = image.ToArray();
        if (dark)
        {
            for (int i = 0; i < raw.Length; i++)
            {
                raw[i] = -raw[i];
            }
        }

        var smooth = Filters.Gaussian(raw, height, width, minSeparation / 6);
        double min = smooth.Min(), max = smooth.Max(), level = min + (threshold * (max - min));
        int r = Math.Max(1, (int)(minSeparation / 2));
        var candidates = new List<(int Y, int X, double V)>();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double v = smooth[(y * width) + x];
                if (v <= level || !IsLocalMax(smooth, height, width, y, x, r))
                {
                    continue;
                }

                candidates.Add((y, x, v));
            }
        }

        candidates.Sort((a, b) => b.V.CompareTo(a.V));
        var kept = new List<(int Y, int X)>();
        double sep2 = minSeparation * minSeparation;
        foreach (var (y, x, _) in candidates)
        {
            if (!kept.Any(k => (((k.Y - y) * (k.Y - y)) + ((k.X - x) * (k.X - x))) < sep2))
            {
                kept.Add((y, x));
            }
        }

        var columns = new AtomColumn[kept.Count];
        Parallel.For(0, kept.Count, i => columns[i] = Refine(raw, height, width, kept[i].Y, kept[i].X, minSeparation / 2, dark));
        return [.. columns.OrderBy(c => c.Y).ThenBy(c => c.X)];
    }

    private static bool IsLocalMax(double[] s, int height, int width, int y, int x, int r)
    {
        double v = s[(y * width) + x];
        for (int dy = -r; dy <= r; dy++)
        {
            for (int dx = -r; dx <= r; dx++)
            {
                int yy = y + dy, xx = x + dx;
                if ((dy != 0 || dx != 0) && yy >= 0 && yy < height && xx >= 0 && xx < width && (dy * dy) + (dx * dx) <= r * r)
                {
                    double o = s[(yy * width) + xx];
                    if (o > v || (o == v && (dy < 0 || (dy == 0 && dx < 0))))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    /// <summary>Fits A·exp(−((y−y0)² + (x−x0)²)/(2σ²)) + B to the pixels within <paramref name="radius"/>.</summary>
    public static AtomColumn Refine(double[] image, int height, int width, int y0, int x0, double radius, bool dark = false)
    {
        var pts = new List<(double Y, double X, double V)>();
        int r = (int)Math.Ceiling(radius);
        for (int y = Math.Max(0, y0 - r); y <= Math.Min(height - 1, y0 + r); y++)
        {
            for (int x = Math.Max(0, x0 - r); x <= Math.Min(width - 1, x0 + r); x++)
            {
                if (((y - y0) * (y - y0)) + ((x - x0) * (x - x0)) <= radius * radius)
                {
                    pts.Add((y, x, image[(y * width) + x]));
                }
            }
        }

        double bg = pts.Min(p => p.V), amp = image[(y0 * width) + x0] - bg;
        var p = Vector<double>.Build.Dense([amp, y0, x0, Math.Max(0.5, radius / 2), bg]);
        double lambda = 1e-3, cost = Cost(pts, p);
        bool ok = pts.Count >= 6 && amp > 0;
        for (int it = 0; it < 50 && ok; it++)
        {
            var j = Matrix<double>.Build.Dense(pts.Count, 5);
            var res = Vector<double>.Build.Dense(pts.Count);
            for (int i = 0; i < pts.Count; i++)
            {
                double dy = pts[i].Y - p[1], dx = pts[i].X - p[2], s2 = p[3] * p[3];
                double g = Math.Exp(-((dy * dy) + (dx * dx)) / (2 * s2));
                res[i] = pts[i].V - ((p[0] * g) + p[4]);
                j[i, 0] = g;
                j[i, 1] = p[0] * g * dy / s2;
                j[i, 2] = p[0] * g * dx / s2;
                j[i, 3] = p[0] * g * ((dy * dy) + (dx * dx)) / (s2 * p[3]);
                j[i, 4] = 1;
            }

            var jt = j.Transpose();
            var a = jt * j;
            var step = (a + (lambda * Matrix<double>.Build.DenseDiagonal(5, 5, i => a[i, i] + 1e-12))).Solve(jt * res);
            var trial = p + step;
            double trialCost = trial[3] > 0.2 ? Cost(pts, trial) : double.MaxValue;
            if (trialCost < cost)
            {
                p = trial;
                lambda /= 3;
                bool converged = step.L2Norm() < 1e-6;
                cost = trialCost;
                if (converged)
                {
                    break;
                }
            }
            else
            {
                lambda *= 4;
                if (lambda > 1e8)
                {
                    break;
                }
            }
        }

        ok = ok && p[0] > 0 && Math.Abs(p[1] - y0) <= radius && Math.Abs(p[2] - x0) <= radius && p[3] < 2 * radius;
        double sign = dark ? -1 : 1;
        return ok
            ? new AtomColumn(p[1], p[2], Math.Abs(p[3]), sign * p[0], sign * p[4], true)
            : new AtomColumn(y0, x0, double.NaN, sign * amp, sign * bg, false);
    }

    private static double Cost(List<(double Y, double X, double V)> pts, Vector<double> p)
    {
        double c = 0, s2 = p[3] * p[3];
        foreach (var (y, x, v) in pts)
        {
            double dy = y - p[1], dx = x - p[2];
            double e = v - ((p[0] * Math.Exp(-((dy * dy) + (dx * dx)) / (2 * s2))) + p[4]);
            c += e * e;
        }

        return c;
    }
}
