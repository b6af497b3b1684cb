using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace Condenser.Processing.Imaging;

/// <summary>Two-dimensional discrete Fourier transforms of row-major images (any size: <see cref="Radix2Fft"/> for powers of two, else MathNet's managed 1-d FFT).</summary>
public static class Fourier2D
{
    /// <summary>Columns gathered together for the column transforms, so that each row is read 256 contiguous bytes at a time.</summary>
    private const int ColumnBlock = 16;

    /// <summary>
    /// Unscaled 2-d FFT in place (forward: e^{-2πi k·r}); the inverse is unscaled too (divide by rows × cols). Rows, then
    /// blocks of columns, are transformed in parallel on all cores.
    /// </summary>
    public static void Transform(Complex[] data, int rows, int cols, bool inverse)
    {
        if (data.Length != rows * cols)
        {
            throw new ArgumentException($"{data.Length} values are not {rows}×{cols}");
        }

        // Small images are not worth a second thread.
        int workers = rows * (long)cols >= 1 << 14 ? Environment.ProcessorCount : 1;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            var row = new Complex[cols];
            for (int r = w; r < rows; r += workers)
            {
                Array.Copy(data, r * cols, row, 0, cols);
                Transform1D(row, inverse);
                Array.Copy(row, 0, data, r * cols, cols);
            }
        });

        int blocks = (cols + ColumnBlock - 1) / ColumnBlock;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            var block = new Complex[ColumnBlock][];
            for (int j = 0; j < ColumnBlock; j++)
            {
                block[j] = new Complex[rows];
            }

            for (int b = w; b < blocks; b += workers)
            {
                int c0 = b * ColumnBlock, n = Math.Min(ColumnBlock, cols - c0);
                for (int r = 0; r < rows; r++)
                {
                    int at = (r * cols) + c0;
                    for (int j = 0; j < n; j++)
                    {
                        block[j][r] = data[at + j];
                    }
                }

                for (int j = 0; j < n; j++)
                {
                    Transform1D(block[j], inverse);
                }

                for (int r = 0; r < rows; r++)
                {
                    int at = (r * cols) + c0;
                    for (int j = 0; j < n; j++)
                    {
                        data[at + j] = block[j][r];
                    }
                }
            }
        });
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
        if (Radix2Fft.Handles(v.Length))
        {
            Radix2Fft.Transform(v, inverse);
        }
        else if (inverse)
        {
            Fourier.Inverse(v, FourierOptions.NoScaling);
        }
        else
        {
            Fourier.Forward(v, FourierOptions.NoScaling);
        }
    }
}
