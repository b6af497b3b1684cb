using System.Numerics;
using Condenser.Processing.Imaging;

namespace Condenser.Processing.Tests;

/// <summary>The FFTs against the definition of the discrete Fourier transform.</summary>
public sealed class FourierTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(512)]
    [InlineData(1024)]
    public void TheRadix2TransformIsTheDefinitionBothWays(int n)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => new Complex(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5)).ToArray();
        foreach (bool inverse in new[] { false, true })
        {
            var fast = (Complex[])x.Clone();
            Radix2Fft.Transform(fast, inverse);
            var slow = Dft(x, inverse);
            double scale = Math.Sqrt(n);
            for (int k = 0; k < n; k++)
            {
                Assert.True((fast[k] - slow[k]).Magnitude <= 1e-11 * scale, $"n={n} k={k} inverse={inverse}: {fast[k]} vs {slow[k]}");
            }
        }

        // Forward then inverse gives n times the input.
        var round = (Complex[])x.Clone();
        Radix2Fft.Transform(round, false);
        Radix2Fft.Transform(round, true);
        for (int k = 0; k < n; k++)
        {
            Assert.True((round[k] / n - x[k]).Magnitude <= 1e-12, $"round trip at {k}");
        }

        Assert.Throws<ArgumentException>(() => Radix2Fft.Transform(new Complex[n + (n > 1 ? 1 : 2)], false));
    }

    [Theory]
    [InlineData(8, 16)]
    [InlineData(12, 20)]
    [InlineData(64, 32)]
    public void TheTwoDimensionalTransformIsTheDefinition(int rows, int cols)
    {
        // Powers of two go to the radix-2 transform, other lengths to MathNet; 64 × 32 has several column blocks.
        var rng = new Random(rows * cols);
        var x = Enumerable.Range(0, rows * cols).Select(_ => new Complex(rng.NextDouble(), rng.NextDouble() - 0.5)).ToArray();
        var fast = (Complex[])x.Clone();
        Fourier2D.Transform(fast, rows, cols, inverse: false);
        for (int u = 0; u < rows; u++)
        {
            for (int v = 0; v < cols; v++)
            {
                Complex sum = 0;
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < cols; c++)
                    {
                        double angle = -2 * Math.PI * (((double)u * r / rows) + ((double)v * c / cols));
                        sum += x[(r * cols) + c] * new Complex(Math.Cos(angle), Math.Sin(angle));
                    }
                }

                Assert.True((fast[(u * cols) + v] - sum).Magnitude <= 1e-9 * rows * cols, $"({u}, {v})");
            }
        }
    }

    private static Complex[] Dft(Complex[] x, bool inverse)
    {
        int n = x.Length;
        var y = new Complex[n];
        for (int k = 0; k < n; k++)
        {
            Complex sum = 0;
            for (int j = 0; j < n; j++)
            {
                double angle = (inverse ? 2 : -2) * Math.PI * ((long)j * k % n) / n;
                sum += x[j] * new Complex(Math.Cos(angle), Math.Sin(angle));
            }

            y[k] = sum;
        }

        return y;
    }
}
