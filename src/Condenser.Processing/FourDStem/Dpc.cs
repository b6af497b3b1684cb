using System.Numerics;
using Condenser.Processing.Imaging;

namespace Condenser.Processing.FourDStem;

/// <summary>
/// Differential phase contrast from centre-of-mass shift maps over a scan of <c>ny × nx</c> positions: divergence,
/// curl, and the integrated (iDPC) potential by Fourier integration of the vector field.
/// </summary>
public static class Dpc
{
    /// <summary>
    /// ∂Fy/∂y + ∂Fx/∂x by central differences (one-sided at the edges); NaN values count as 0.
    /// </summary>
    /// <remarks>Units: field units per scan step.</remarks>
    public static double[] Divergence(double[] fy, double[] fx, int ny, int nx)
        => Combine(Derivative(fy, ny, nx, alongY: true), Derivative(fx, ny, nx, alongY: false), 1);

    /// <summary>∂Fx/∂y − ∂Fy/∂x (the z component of the curl); near zero for a field that is a gradient.</summary>
    public static double[] Curl(double[] fy, double[] fx, int ny, int nx)
        => Combine(Derivative(fx, ny, nx, alongY: true), Derivative(fy, ny, nx, alongY: false), -1);

    /// <summary>
    /// The potential φ whose gradient best fits (Fy, Fx) in the least-squares sense, by FFT: φ̂ = −i(ky F̂y + kx F̂x) / (2π|k|²),
    /// mean set to zero. The field is mirrored to 2ny × 2nx first so the integration does not assume periodic edges.
    /// </summary>
    /// <remarks>Units: field units × scan step.</remarks>
    public static double[] Integrate(double[] fy, double[] fx, int ny, int nx)
    {
        int my = 2 * ny, mx = 2 * nx;
        // Both real fields in one complex transform: z = gy + i·gx, so that Gy(k) = (Z(k) + Z*(−k)) / 2 and
        // Gx(k) = (Z(k) − Z*(−k)) / 2i.
        var z = new Complex[my * mx];
        for (int y = 0; y < my; y++)
        {
            for (int x = 0; x < mx; x++)
            {
                // Even extension of the potential: the y-component flips sign in the mirrored rows, x likewise.
                int sy = y < ny ? y : my - 1 - y, sx = x < nx ? x : mx - 1 - x;
                double vy = Value(fy, (sy * nx) + sx), vx = Value(fx, (sy * nx) + sx);
                z[(y * mx) + x] = new Complex(y < ny ? vy : -vy, x < nx ? vx : -vx);
            }
        }

        Fourier2D.Transform(z, my, mx, inverse: false);
        var phi = new Complex[my * mx];
        for (int y = 0; y < my; y++)
        {
            double ky = (y <= my / 2 ? y : y - my) / (double)my;
            int yn = y == 0 ? 0 : my - y;
            for (int x = 0; x < mx; x++)
            {
                double kx = (x <= mx / 2 ? x : x - mx) / (double)mx;
                double k2 = (ky * ky) + (kx * kx);
                if (k2 == 0)
                {
                    continue;
                }

                var zk = z[(y * mx) + x];
                var zn = Complex.Conjugate(z[(yn * mx) + (x == 0 ? 0 : mx - x)]);
                var sum = zk + zn;
                var diff = zk - zn;
                // gy = sum / 2, gx = diff / 2i; φ = −i (ky·gy + kx·gx) / (2π k²), in real arithmetic.
                double re = (0.5 * ky * sum.Real) + (0.5 * kx * diff.Imaginary);
                double im = (0.5 * ky * sum.Imaginary) - (0.5 * kx * diff.Real);
                double scale = 1 / (2 * Math.PI * k2);
                phi[(y * mx) + x] = new Complex(im * scale, -re * scale);
            }
        }

        Fourier2D.Transform(phi, my, mx, inverse: true);
        var result = new double[ny * nx];
        double mean = 0;
        for (int y = 0; y < ny; y++)
        {
            for (int x = 0; x < nx; x++)
            {
                result[(y * nx) + x] = phi[(y * mx) + x].Real / (my * mx);
                mean += result[(y * nx) + x];
            }
        }

        mean /= result.Length;
        for (int i = 0; i < result.Length; i++)
        {
            result[i] -= mean;
        }

        return result;
    }

    /// <summary>
    /// The rotation between scan and detector axes (and whether one axis is flipped) that makes the centre-of-mass
    /// field curl-free: every angle in 0.5° steps, with and without a flip, is scored by the RMS curl of the rotated
    /// field. Of the two solutions 180° apart (same curl), the one whose divergence is negatively skewed is kept: shifts
    /// point towards the atoms (py4DSTEM's convention for a positive potential), where ∇²V is sharply negative.
    /// </summary>
    /// <remarks>
    /// Units: degrees, counter-clockwise from the detector to the scan frame. Cost proportionate to the scan: curl and
    /// divergence are linear, so the curl of the field rotated by θ is cos θ·curl − sin θ·div of the unrotated field
    /// and its mean square is a quadratic form in (cos θ, sin θ) of three sums made once per flip (positions where
    /// either component is not finite count as 0, as they do in <see cref="Curl"/> of the rotated field).
    /// </remarks>
    public static (double AngleDegrees, bool Flip) FindRotation(double[] fy, double[] fx, int ny, int nx)
    {
        double best = double.MaxValue, bestAngle = 0;
        bool bestFlip = false;
        foreach (bool flip in new[] { false, true })
        {
            var y = new double[fy.Length];
            var x = new double[fx.Length];
            for (int i = 0; i < y.Length; i++)
            {
                bool finite = double.IsFinite(fy[i]) && double.IsFinite(fx[i]);
                y[i] = finite ? fy[i] : 0;
                x[i] = finite ? (flip ? -fx[i] : fx[i]) : 0;
            }

            var curl = Curl(y, x, ny, nx);
            var div = Divergence(y, x, ny, nx);
            double cc = 0, cd = 0, dd = 0;
            for (int i = 0; i < curl.Length; i++)
            {
                cc += curl[i] * curl[i];
                cd += curl[i] * div[i];
                dd += div[i] * div[i];
            }

            for (int k = 0; k < 360; k++)
            {
                double angle = k * 0.5, a = angle * Math.PI / 180, c = Math.Cos(a), s = Math.Sin(a);
                double rms = (c * c * cc) - (2 * c * s * cd) + (s * s * dd);
                if (rms < best - 1e-12)
                {
                    best = rms;
                    bestAngle = angle;
                    bestFlip = flip;
                }
            }
        }

        // 180° apart: the same curl, opposite divergence. A field pointing towards the atoms is ∇V of a potential with
        // sharp maxima on a broad floor, so its divergence ∇²V is strongly negative on few positions and mildly positive
        // on many: negatively skewed, for a lattice and for an isolated particle alike. (The mean divergence, used
        // before, is the flux through the scan's border over its area: for a lattice an edge effect of either sign.)
        var cy = fy.Select((v, i) => double.IsFinite(v) && double.IsFinite(fx[i]) ? v : 0).ToArray();
        var cx = fx.Select((v, i) => double.IsFinite(v) && double.IsFinite(fy[i]) ? v : 0).ToArray();
        var (ry, rx) = Rotate(cy, cx, bestAngle, bestFlip);
        if (ThirdCentralMoment(Divergence(ry, rx, ny, nx)) > 0)
        {
            bestAngle += 180;
        }

        return (bestAngle, bestFlip);
    }

    /// <summary>Σ (v − mean)³ / n: its sign is the sign of the skewness.</summary>
    private static double ThirdCentralMoment(double[] v)
    {
        if (v.Length == 0)
        {
            return 0;
        }

        double mean = v.Average(), m3 = 0;
        foreach (var x in v)
        {
            double d = x - mean;
            m3 += d * d * d;
        }

        return m3 / v.Length;
    }

    /// <summary>
    /// The field expressed in the scan frame: optionally flip the detector's x, then rotate by
    /// <paramref name="angleDegrees"/> counter-clockwise.
    /// </summary>
    public static (double[] Y, double[] X) Rotate(double[] fy, double[] fx, double angleDegrees, bool flip)
    {
        double a = angleDegrees * Math.PI / 180, c = Math.Cos(a), s = Math.Sin(a);
        var ry = new double[fy.Length];
        var rx = new double[fx.Length];
        for (int i = 0; i < fy.Length; i++)
        {
            double x = flip ? -fx[i] : fx[i], y = fy[i];
            rx[i] = (c * x) - (s * y);
            ry[i] = (s * x) + (c * y);
        }

        return (ry, rx);
    }

    private static double Value(double[] v, int i) => double.IsFinite(v[i]) ? v[i] : 0;

    /// <summary>
    /// The derivative along y or x per position: central differences inside, one-sided at the edges, 0 along an axis of
    /// one position; values that are not finite count as 0. Row by row, so that it runs at memory speed.
    /// </summary>
    private static double[] Derivative(double[] f, int ny, int nx, bool alongY)
    {
        var d = new double[ny * nx];
        int n = alongY ? ny : nx;
        if (n == 1)
        {
            return d;
        }

        var clean = new double[f.Length];
        for (int i = 0; i < f.Length; i++)
        {
            clean[i] = double.IsFinite(f[i]) ? f[i] : 0;
        }

        if (alongY)
        {
            for (int y = 0; y < ny; y++)
            {
                int lo = y == 0 ? 0 : y - 1, hi = y == ny - 1 ? ny - 1 : y + 1;
                double scale = hi - lo == 2 ? 0.5 : 1;
                var above = clean.AsSpan(lo * nx, nx);
                var below = clean.AsSpan(hi * nx, nx);
                var row = d.AsSpan(y * nx, nx);
                for (int x = 0; x < nx; x++)
                {
                    row[x] = (below[x] - above[x]) * scale;
                }
            }
        }
        else
        {
            for (int y = 0; y < ny; y++)
            {
                var src = clean.AsSpan(y * nx, nx);
                var row = d.AsSpan(y * nx, nx);
                row[0] = src[1] - src[0];
                row[nx - 1] = src[nx - 1] - src[nx - 2];
                for (int x = 1; x < nx - 1; x++)
                {
                    row[x] = (src[x + 1] - src[x - 1]) * 0.5;
                }
            }
        }

        return d;
    }

    private static double[] Combine(double[] a, double[] b, double sign)
    {
        var r = new double[a.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = a[i] + (sign * b[i]);
        }

        return r;
    }
}
