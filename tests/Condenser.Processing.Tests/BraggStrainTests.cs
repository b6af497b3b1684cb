using System.Runtime.InteropServices;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.Tests;

/// <summary>Bragg disks, lattice fitting, strain and pattern clustering on synthetic diffraction with known lattices.</summary>
public sealed class BraggStrainTests
{
    private const int Size = 96;
    private const double Center = 47.3, Radius = 3.5;

    /// <summary>Soft-edged disks of the given reciprocal lattice (|h|, |k| ≤ 3) on a 96 × 96 detector.</summary>
    private static double[] Pattern(Lattice g, double centralBoost = 3)
    {
        var p = new double[Size * Size];
        for (int h = -3; h <= 3; h++)
        {
            for (int k = -3; k <= 3; k++)
            {
                double cy = g.OriginY + (h * g.G1Y) + (k * g.G2Y), cx = g.OriginX + (h * g.G1X) + (k * g.G2X);
                double amp = h == 0 && k == 0 ? centralBoost : 1;
                for (int y = Math.Max(0, (int)cy - 6); y < Math.Min(Size, (int)cy + 7); y++)
                {
                    for (int x = Math.Max(0, (int)cx - 6); x < Math.Min(Size, (int)cx + 7); x++)
                    {
                        double r = Math.Sqrt(((y - cy) * (y - cy)) + ((x - cx) * (x - cx)));
                        p[(y * Size) + x] += amp / (1 + Math.Exp((r - Radius) / 0.4));
                    }
                }
            }
        }

        return p;
    }

    private static double[] Probe() => Pattern(new Lattice(Center, Center, 1000, 0, 0, 1000), 1);

    private static Lattice Strained(Lattice reference, double exx, double eyy, double exy)
    {
        // Real space deforms by D = I + ε; reciprocal vectors transform by (D⁻¹)ᵀ (x, y order).
        var d = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(new[,] { { 1 + exx, exy }, { exy, 1 + eyy } });
        var t = d.Inverse().Transpose();
        (double Y, double X) Map(double y, double x) => ((t[1, 0] * x) + (t[1, 1] * y), (t[0, 0] * x) + (t[0, 1] * y));
        var g1 = Map(reference.G1Y, reference.G1X);
        var g2 = Map(reference.G2Y, reference.G2X);
        return new Lattice(reference.OriginY, reference.OriginX, g1.Y, g1.X, g2.Y, g2.X);
    }

    private static readonly Lattice Reference = new(Center, Center, 1.7, 13.2, 13.4, -2.1);

    [Fact]
    public void DisksAreFoundAtTheirCentresToSubPixelPrecision()
    {
        var finder = new BraggDisks(Probe(), Size, Size, new BraggOptions(MinSpacing: 6, MinRelativeIntensity: 0.1));
        var peaks = finder.Find(Pattern(Reference));
        var inside = new List<(double Y, double X)>();
        for (int h = -3; h <= 3; h++)
        {
            for (int k = -3; k <= 3; k++)
            {
                double y = Center + (h * Reference.G1Y) + (k * Reference.G2Y), x = Center + (h * Reference.G1X) + (k * Reference.G2X);
                if (y > 14 && x > 14 && y < Size - 15 && x < Size - 15)
                {
                    inside.Add((y, x));
                }
            }
        }

        foreach (var (y, x) in inside)
        {
            var nearest = peaks.MinBy(p => ((p.Y - y) * (p.Y - y)) + ((p.X - x) * (p.X - x)));
            Assert.True(Math.Abs(nearest.Y - y) < 0.1 && Math.Abs(nearest.X - x) < 0.1, $"disk at ({y:F2}, {x:F2}) found at ({nearest.Y:F2}, {nearest.X:F2})");
        }
    }

    [Fact]
    public void AKnownStrainIsRecoveredFromTheFittedLattices()
    {
        var finder = new BraggDisks(Probe(), Size, Size, new BraggOptions(MinSpacing: 6, MinRelativeIntensity: 0.1));
        Lattice Fit(Lattice truth)
        {
            var peaks = finder.Find(Pattern(truth));
            var origin = peaks[0];
            var guess = Lattice.Guess(peaks, origin.Y, origin.X);
            Assert.NotNull(guess);
            var fitted = guess.Refine(peaks);
            Assert.NotNull(fitted);
            return fitted;
        }

        var reference = Fit(Reference);

        // Each pattern is indexed against the reference lattice, so both share one basis.
        var strainedPeaks = finder.Find(Pattern(Strained(Reference, 0.02, -0.01, 0.005)));
        var strained = reference.Refine(strainedPeaks);
        Assert.NotNull(strained);
        var e = strained.StrainRelativeTo(reference);
        // Disk centres good to a few hundredths of a pixel on 13-pixel lattice vectors: strain to 0.1 %.
        Assert.InRange(e.Exx, 0.019, 0.021);
        Assert.InRange(e.Eyy, -0.011, -0.009);
        Assert.InRange(e.Exy, 0.004, 0.006);
        Assert.InRange(e.Rotation, -0.001, 0.001);
        var self = reference.StrainRelativeTo(reference);
        Assert.Equal(0, self.Exx, 12);
    }

    [Fact]
    public void TheReducerFindsDisksInEveryFrameAndClusteringSeparatesTwoPhases()
    {
        // A 4 × 6 scan: left half one lattice, right half a rotated one.
        var rotated = new Lattice(Center, Center, 13.2, -1.7, 2.1, 13.4);
        var bytes = new byte[4 * 6 * Size * Size * 4];
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        var rng = new Random(5);
        for (int p = 0; p < 24; p++)
        {
            var pattern = Pattern(p % 6 < 3 ? Reference : rotated);
            for (int i = 0; i < pattern.Length; i++)
            {
                values[(p * Size * Size) + i] = (float)(pattern[i] + (0.02 * rng.NextDouble()));
            }
        }

        using var ds = EmDataset.FromBytes("phases", [4, 6], [Size, Size], DType.Float32, bytes);
        var bragg = new BraggDiskReducer(new BraggDisks(Probe(), Size, Size, new BraggOptions(MinSpacing: 6, MinRelativeIntensity: 0.1)));
        var clusters = new PatternClustering();
        FrameExecutor.RunParallel(ds, [bragg, clusters], workers: 2, partitionBytes: 5L * Size * Size * 4);
        Assert.All(bragg.Peaks, p => Assert.True(p.Length >= 9));
        var (labels, centers) = Condenser.Learning.Clustering.KMeans.Fit(clusters.Features, 2);
        Assert.Equal(2, centers.Length);
        for (int p = 0; p < 24; p++)
        {
            Assert.Equal(labels[p % 6 < 3 ? 0 : 5], labels[p]);
        }

        Assert.NotEqual(labels[0], labels[5]);
    }

    /// <summary>
    /// The strain analysis at its default settings on a 16 × 16 scan of 128² Poisson patterns (4 px disks, lattice
    /// vectors of ~16 px) under a known strain field of zero mean: every component within 0.04 % RMS of the truth
    /// (a refinement window set by the default disk spacing, 2.5 px, left 0.14 % RMS on εyy without any noise).
    /// </summary>
    [Fact]
    public void StrainAtDefaultSettingsIsRightToFourHundredthsOfAPercent()
    {
        const int n = 16, det = 128;
        const double centre = 63.6, radius = 4;
        var basis = new Lattice(centre, centre, 1.7, 16.2, 16.4, -2.1);
        double Wave(int i, double phase) => Math.Sin((2 * Math.PI * i / n) + phase);
        var truth = new (double Exx, double Eyy, double Exy)[n * n];
        var rng = new MathNet.Numerics.Random.Xoshiro256StarStar(5);
        var data = new float[n * n * det * det];
        for (int y = 0; y < n; y++)
        {
            for (int x = 0; x < n; x++)
            {
                int p = (y * n) + x;
                truth[p] = (0.004 * Wave(x, 0), 0.003 * Wave(y, 1), 0.002 * Wave(x + y, 2));
                var g = Strained(basis, truth[p].Exx, truth[p].Eyy, truth[p].Exy);
                var pattern = data.AsSpan(p * det * det, det * det);
                for (int h = -3; h <= 3; h++)
                {
                    for (int k = -3; k <= 3; k++)
                    {
                        double cy = g.OriginY + (h * g.G1Y) + (k * g.G2Y), cx = g.OriginX + (h * g.G1X) + (k * g.G2X);
                        double amp = h == 0 && k == 0 ? 400 : 100;
                        for (int yy = Math.Max(0, (int)cy - 7); yy < Math.Min(det, (int)cy + 8); yy++)
                        {
                            for (int xx = Math.Max(0, (int)cx - 7); xx < Math.Min(det, (int)cx + 8); xx++)
                            {
                                double r = Math.Sqrt(((yy - cy) * (yy - cy)) + ((xx - cx) * (xx - cx)));
                                pattern[(yy * det) + xx] += (float)(amp / (1 + Math.Exp((r - radius) / 0.4)));
                            }
                        }
                    }
                }

                for (int i = 0; i < pattern.Length; i++)
                {
                    pattern[i] = MathNet.Numerics.Distributions.Poisson.Sample(rng, pattern[i] + 0.5);
                }
            }
        }

        var bytes = MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        using var ds = new EmDataset("strained", new DatasetShape([n, n], [det, det]),
            [Axis.Plain("y", n, true), Axis.Plain("x", n, true), Axis.Plain("ky", det, false), Axis.Plain("kx", det, false)],
            DType.Float32, new Data.Storage.MemoryStorage(bytes));
        var result = Analyses.StrainAnalysis.Run(new Analyses.AnalysisRun(ds), new Analyses.StrainParameters());
        var found = new[] { Analyses.StrainAnalysis.Exx, Analyses.StrainAnalysis.Eyy, Analyses.StrainAnalysis.Exy }.Select(result.Values).ToArray();
        var expected = new[] { truth.Select(t => t.Exx).ToArray(), truth.Select(t => t.Eyy).ToArray(), truth.Select(t => t.Exy).ToArray() };
        var rms = Enumerable.Range(0, 3).Select(c => Math.Sqrt(Enumerable.Range(0, n * n).Average(i => Math.Pow(found[c][i] - expected[c][i], 2)))).ToArray();
        Assert.True(rms.All(r => r <= 4e-4), $"RMS error εxx {rms[0]:P3}, εyy {rms[1]:P3}, εxy {rms[2]:P3}");
    }
}
