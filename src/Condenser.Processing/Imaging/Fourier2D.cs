using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace Condenser.Processing.Imaging;

/// <summary>Two-dimensional discrete Fourier transforms of row-major images (any size; MathNet's managed 1-d FFT).</summary>
public static class Fourier2D
{
    /// <summary>Unscaled 2-d FFT in place (forward: e^{-2πi k·r}); the inverse is unscaled too (divide by rows × cols).</summary>
    public static void Transform(Complex[] data, int rows, int cols, bool inverse)
    {
        if (data.Length != rows * cols)
        {
            throw new ArgumentException($"{data.Length} values are not {rows}×{cols}");
        }

        var row = new Complex[cols];
        for (int r = 0; r < rows; r++)
        {
            Array.Copy(data, r * cols, row, 0, cols);
            Transform1D(row, inverse);
            Array.Copy(row, 0, data, r * cols, cols);
        }

        var col = new Complex[rows];
        for (int c = 0; c < cols; c++)
        {
            for (int r = 0; r < rows; r++)
            {
                col[r] = data[(r * cols) + c];
            }

            Transform1D(col, inverse);
            for (int r = 0; r < rows; r++)
            {
                data[(r * cols) + c] = col[r];
            }
        }
    }

    /// <summary>The forward transform of a real image.</summary>
    public static Complex[] Forward(ReadOnlySpan<double> image, int rows, int cols)
    {
        var c = new Complex[image.Length];
        for (int i = 0; i < c.Length; i++)
        {
            c[i] = image[i];
        }

        Transform(c, rows, cols, inverse: false);
        return c;
    }

    /// <summary>The real part of the scaled inverse transform.</summary>
    public static double[] InverseReal(Complex[] spectrum, int rows, int cols)
    {
        var c = (Complex[])spectrum.Clone();
        Transform(c, rows, cols, inverse: true);
        var r = new double[c.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = c[i].Real / c.Length;
        }

        return r;
    }

    /// <summary>
    /// Power spectrum |F|² of an image with zero frequency at the centre (row rows/2, column cols/2), after removing
    /// the mean and applying a Hann window against edge streaks when <paramref name="window"/> is set.
    /// </summary>
    public static double[] PowerSpectrum(ReadOnlySpan<double> image, int rows, int cols, bool window = true)
    {
        double mean = 0;
        foreach (var v in image)
        {
            mean += v;
        }

        mean /= Math.Max(1, image.Length);
        var c = new Complex[image.Length];
        for (int y = 0; y < rows; y++)
        {
            double wy = window && rows > 1 ? 0.5 - (0.5 * Math.Cos(2 * Math.PI * y / (rows - 1))) : 1;
            for (int x = 0; x < cols; x++)
            {
                double wx = window && cols > 1 ? 0.5 - (0.5 * Math.Cos(2 * Math.PI * x / (cols - 1))) : 1;
                c[(y * cols) + x] = (image[(y * cols) + x] - mean) * wy * wx;
            }
        }

        Transform(c, rows, cols, inverse: false);
        var p = new double[c.Length];
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                int sy = (y + (rows / 2)) % rows, sx = (x + (cols / 2)) % cols;
                p[(sy * cols) + sx] = c[(y * cols) + x].Magnitude * c[(y * cols) + x].Magnitude;
            }
        }

        return p;
    }

    /// <summary>Signed frequency of index <paramref name="i"/> of an <paramref name="n"/>-point transform, in cycles per sample.</summary>
    public static double Frequency(int i, int n) => (i <= n / 2 ? i : i - n) / (double)n;

    private static void Transform1D(Complex[] v, bool inverse)
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
}
