using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

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
        var gy = new Complex[my * mx];
        var gx = new Complex[my * mx];
        for (int y = 0; y < my; y++)
        {
            for (int x = 0; x < mx; x++)
            {
                // Even extension of the potential: the y-component flips sign in the mirrored rows, x likewise.
                int sy = y < ny ? y : my - 1 - y, sx = x < nx ? x : mx - 1 - x;
                double vy = Value(fy, (sy * nx) + sx), vx = Value(fx, (sy * nx) + sx);
                gy[(y * mx) + x] = y < ny ? vy : -vy;
                gx[(y * mx) + x] = x < nx ? vx : -vx;
            }
        }

        Fft2D(gy, my, mx, inverse: false);
        Fft2D(gx, my, mx, inverse: false);
        var phi = new Complex[my * mx];
        for (int y = 0; y < my; y++)
        {
            double ky = (y <= my / 2 ? y : y - my) / (double)my;
            for (int x = 0; x < mx; x++)
            {
                double kx = (x <= mx / 2 ? x : x - mx) / (double)mx;
                double k2 = (ky * ky) + (kx * kx);
                if (k2 == 0)
                {
                    continue;
                }

                var num = (ky * gy[(y * mx) + x]) + (kx * gx[(y * mx) + x]);
                phi[(y * mx) + x] = -Complex.ImaginaryOne * num / (2 * Math.PI * k2);
            }
        }

        Fft2D(phi, my, mx, inverse: true);
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

    /// <summary>Unscaled 2-d FFT (forward e^{-2πi k·r}) as row transforms then column transforms.</summary>
    internal static void Fft2D(Complex[] data, int rows, int cols, bool inverse)
    {
        var row = new Complex[cols];
        for (int r = 0; r < rows; r++)
        {
            Array.Copy(data, r * cols, row, 0, cols);
            Transform(row, inverse);
            Array.Copy(row, 0, data, r * cols, cols);
        }

        var col = new Complex[rows];
        for (int c = 0; c < cols; c++)
        {
            for (int r = 0; r < rows; r++)
            {
                col[r] = data[(r * cols) + c];
            }

            Transform(col, inverse);
            for (int r = 0; r < rows; r++)
            {
                data[(r * cols) + c] = col[r];
            }
        }
    }

    private static void Transform(Complex[] v, bool inverse)
    {
        if (inverse)
        {
            Fourier.Inverse(v, FourierOptions.NoScaling);
        }
        else
        {
            Fourier.Forward(v, FourierOptions.NoScaling);
        }
    }

    private static double Value(double[] v, int i) => double.IsFinite(v[i]) ? v[i] : 0;

    private static double[] Derivative(double[] f, int ny, int nx, bool alongY)
    {
        var d = new double[ny * nx];
        int n = alongY ? ny : nx;
        for (int y = 0; y < ny; y++)
        {
            for (int x = 0; x < nx; x++)
            {
                int i = alongY ? y : x;
                int Index(int k) => alongY ? (k * nx) + x : (y * nx) + k;
                if (n == 1)
                {
                    d[(y * nx) + x] = 0;
                }
                else if (i == 0)
                {
                    d[(y * nx) + x] = Value(f, Index(1)) - Value(f, Index(0));
                }
                else if (i == n - 1)
                {
                    d[(y * nx) + x] = Value(f, Index(n - 1)) - Value(f, Index(n - 2));
                }
                else
                {
                    d[(y * nx) + x] = (Value(f, Index(i + 1)) - Value(f, Index(i - 1))) / 2;
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
