using Condenser.Data;
using Condenser.Processing.MapReduce;
using Condenser.Processing.SpectrumImaging;
using MathNet.Numerics.LinearAlgebra;

namespace Condenser.Processing.Tests;

/// <summary>Power-law edges and zero-loss alignment on spectra with known answers.</summary>
public sealed class SpectrumImagingTests
{
    private static double Gauss(double x, double mu, double sigma) => Math.Exp(-0.5 * Math.Pow((x - mu) / sigma, 2));

    [Fact]
    public void APowerLawIsFittedExactlyAndTheEdgeSignalIntegrated()
    {
        var energies = Enumerable.Range(0, 400).Select(i => 200 + (i * 0.5)).ToArray();

        // Background 1e9·E^-3 plus a step of 50 counts from 284 eV (a carbon K edge).
        var counts = energies.Select(e => (1e9 * Math.Pow(e, -3)) + (e >= 284 ? 50 : 0)).ToArray();
        var fit = PowerLawBackground.Fit(energies, counts, 250, 280);
        Assert.NotNull(fit);
        Assert.Equal(3, fit.Value.R, 9);
        Assert.Equal(1e9, fit.Value.A, 1e9 * 1e-8);
        int channels = energies.Count(e => e >= 290 && e < 330);
        Assert.Equal(50.0 * channels, fit.Value.IntegrateAbove(energies, counts, 290, 330), 1e-6);

        var bytes = new byte[3 * 400 * 8];
        for (int p = 0; p < 3; p++)
        {
            Buffer.BlockCopy(counts.Select(c => c * (p + 1)).ToArray(), 0, bytes, p * 400 * 8, 400 * 8);
        }

        using var ds = new EmDataset("si", new DatasetShape([3], [400]), [Axis.Plain("x", 3, true), new Axis("E", 400, 0.5, 200, "eV")], DType.Float64, new Data.Storage.MemoryStorage(bytes));
        var map = new EdgeMap(SpectrumInputs.Energies(ds), (250, 280), (290, 330));
        FrameExecutor.RunInline(ds, [map]);
        for (int p = 0; p < 3; p++)
        {
            Assert.Equal(50.0 * channels * (p + 1), map.Signal[p], 1e-5);
            Assert.Equal(3, map.Exponent[p], 9);
        }
    }

    /// <summary>
    /// Mean edge signal over many Poisson spectra (E^-3 background, a step half the background's height at the edge,
    /// fitted over 30 channels and extrapolated up to 46 eV), relative to the truth, for the maximum-likelihood fit with
    /// its bias correction and the log–log least-squares fit.
    /// </summary>
    private static (double MaximumLikelihood, double LogLog) EdgeSignalBias(double countsPerChannel, int trials, int seed)
    {
        var energies = Enumerable.Range(0, 200).Select(i => 200.0 + i).ToArray();
        double a = countsPerChannel * Math.Pow(280, 3), step = 0.5 * countsPerChannel * Math.Pow(284.0 / 280, -3);
        var truth = energies.Select(e => (a * Math.Pow(e, -3)) + (e >= 284 ? step : 0)).ToArray();
        double expected = energies.Where(e => e >= 290 && e < 330).Count() * step;
        var rng = new MathNet.Numerics.Random.Xoshiro256StarStar(seed);
        double ml = 0, ll = 0;
        var counts = new double[energies.Length];
        for (int t = 0; t < trials; t++)
        {
            for (int i = 0; i < counts.Length; i++)
            {
                counts[i] = MathNet.Numerics.Distributions.Poisson.Sample(rng, truth[i]);
            }

            ml += PowerLawBackground.Fit(energies, counts, 250, 280)!.Value.IntegrateAbove(energies, counts, 290, 330);
            ll += PowerLawBackground.FitLogLog(energies, counts, 250, 280)!.Value.IntegrateAbove(energies, counts, 290, 330);
        }

        return ((ml / trials / expected) - 1, (ll / trials / expected) - 1);
    }

    [Theory]
    [InlineData(600, 0.01)]
    [InlineData(60, 0.015)]
    [InlineData(6, 0.03)]
    public void TheMaximumLikelihoodBackgroundIsUnbiasedAtLowCounts(double countsPerChannel, double tolerance)
    {
        var (ml, logLog) = EdgeSignalBias(countsPerChannel, 4000, 17);
        Assert.True(Math.Abs(ml) < tolerance, $"{countsPerChannel} counts/channel: edge signal bias {ml:P2} (log–log least squares {logLog:P2})");

        // The log–log fit drops the channels without counts and leans on the low ones: its bias is what the fit replaced.
        if (countsPerChannel <= 6)
        {
            Assert.True(logLog > 3 * Math.Abs(ml), $"log–log {logLog:P2} vs maximum likelihood {ml:P2}");
        }
    }

    [Fact]
    public void ZeroLossPeaksAreFoundAndAlignedToZero()
    {
        var rng = new Random(4);
        const double offset = -20, scale = 0.1;
        var shifts = Enumerable.Range(0, 12).Select(_ => (rng.NextDouble() * 4) - 2).ToArray();
        var spectra = shifts.Select(s => Enumerable.Range(0, 600).Select(i => 1000 * Gauss(offset + (i * scale), s, 0.4)).ToArray()).ToArray();
        var (aligned, peaks) = ZeroLoss.Align(spectra, offset, scale);
        for (int i = 0; i < shifts.Length; i++)
        {
            Assert.Equal(shifts[i], peaks[i], 0.01);
            Assert.InRange(ZeroLoss.Find(aligned[i], offset, scale), -0.02, 0.02);
        }

        // The streamed reducer and view give the same peaks and spectra.
        var bytes = new byte[12 * 600 * 8];
        Buffer.BlockCopy(spectra.SelectMany(s => s).ToArray(), 0, bytes, 0, bytes.Length);
        using var ds = new EmDataset("zlp", new DatasetShape([12], [600]), [Axis.Plain("x", 12, true), new Axis("E", 600, scale, offset, "eV")], DType.Float64, new Data.Storage.MemoryStorage(bytes));
        var found = new ZeroLossPeaks(ds.Axes[^1]);
        FrameExecutor.RunParallel(ds, [found], workers: 2, partitionBytes: 5 * 600 * 8);
        Assert.Equal(peaks, found.Energies);
        var view = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(ZeroLoss.Aligned(ds, found.Energies).ReadAll().AsSpan()).ToArray();
        Assert.Equal(aligned.SelectMany(s => s).ToArray(), view);
    }
}
