using Condenser.Processing.Imaging;

namespace Condenser.Processing.Tests;

/// <summary>Image FFT, filters, atom-column finding and lattice distortion on analytical images.</summary>
public sealed class ImagingTests
{
    [Fact]
    public void TheGaussianFilterHasUnitWeightAndTheRequestedWidth()
    {
        const int n = 41;
        var delta = new double[n * n];
        delta[(20 * n) + 20] = 1;
        var g = Filters.Gaussian(delta, n, n, 2.5);
        Assert.Equal(1, g.Sum(), 12);
        double m2 = 0;
        for (int y = 0; y < n; y++)
        {
            for (int x = 0; x < n; x++)
            {
                m2 += g[(y * n) + x] * (y - 20) * (y - 20);
            }
        }

        Assert.Equal(2.5 * 2.5, m2, 0.05);
    }

    [Fact]
    public void ThePowerSpectrumPeaksAtTheFringeFrequencyAndTheBandPassSelectsIt()
    {
        const int h = 64, w = 64;
        var image = new double[h * w];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                // 8 fringes across x (period 8 px), 2 across y (period 32 px), and an offset.
                image[(y * w) + x] = 5 + Math.Cos(2 * Math.PI * 8 * x / w) + Math.Cos(2 * Math.PI * 2 * y / h);
            }
        }

        var p = Fourier2D.PowerSpectrum(image, h, w);
        int peak = Array.IndexOf(p, p.Max());
        Assert.Contains((peak / w, peak % w), new[] { (32, 32 + 8), (32, 32 - 8), (32 + 2, 32), (32 - 2, 32) });

        // Pass periods 4–16 px: the 8-px fringes stay, the offset and the 32-px fringes go.
        var band = Filters.BandPass(image, h, w, 4, 16);
        Assert.Equal(0, band.Average(), 9);
        double along = 0;
        for (int x = 0; x < w; x++)
        {
            along += band[x] * Math.Cos(2 * Math.PI * 8 * x / w);
        }

        Assert.True(along / (w / 2) > 0.5, $"8-px fringe amplitude {along / (w / 2)}");
        var column = Enumerable.Range(0, h).Select(y => band[y * w]).ToArray();
        double across = column.Select((v, y) => v * Math.Cos(2 * Math.PI * 2 * y / h)).Sum() / (h / 2);
        // A difference of Gaussians is soft: at twice the large period it still passes about a tenth.
        Assert.True(Math.Abs(across) < 0.15 && along / (w / 2) > 4 * Math.Abs(across), $"32-px fringe amplitude {across}");
    }

    [Fact]
    public void AtomColumnsAreFoundToAFewHundredthsOfAPixelAndADisplacedOneStandsOut()
    {
        const int h = 96, w = 96;
        var image = new double[h * w];
        var truth = new List<(double Y, double X)>();
        var rng = new Random(9);
        for (int i = 0; i < 8; i++)
        {
            for (int j = 0; j < 8; j++)
            {
                double y = 8.3 + (i * 11.1) + (j * 0.6), x = 7.9 + (j * 10.7) - (i * 0.4);
                if (i == 3 && j == 4)
                {
                    x += 0.8; // one displaced column
                }

                truth.Add((y, x));
            }
        }

        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double v = 10 + (0.2 * rng.NextDouble());
                foreach (var (ty, tx) in truth)
                {
                    double d2 = ((y - ty) * (y - ty)) + ((x - tx) * (x - tx));
                    if (d2 < 100)
                    {
                        v += 100 * Math.Exp(-d2 / (2 * 1.8 * 1.8));
                    }
                }

                image[(y * w) + x] = v;
            }
        }

        var columns = AtomColumns.Find(image, h, w, minSeparation: 7);
        Assert.Equal(truth.Count, columns.Length);
        foreach (var (ty, tx) in truth)
        {
            var c = columns.MinBy(c => ((c.Y - ty) * (c.Y - ty)) + ((c.X - tx) * (c.X - tx)));
            Assert.True(c.Refined);
            Assert.True(Math.Abs(c.Y - ty) < 0.05 && Math.Abs(c.X - tx) < 0.05, $"({ty:F2}, {tx:F2}) found at ({c.Y:F3}, {c.X:F3})");
            Assert.Equal(1.8, c.Sigma, 0.1);
        }

        var measured = LatticeDistortion.Measure(columns, h, w);
        Assert.NotNull(measured);
        var (_, sites) = measured.Value;
        int displaced = Array.FindIndex(columns, c => Math.Abs(c.Y - truth[(3 * 8) + 4].Y) < 0.5 && Math.Abs(c.X - truth[(3 * 8) + 4].X) < 0.5);
        double biggest = sites.Max(s => Math.Abs(s.DisplacementX));
        Assert.Equal(biggest, Math.Abs(sites[displaced].DisplacementX));
        Assert.InRange(sites[displaced].DisplacementX, 0.6, 0.9);
    }
}
