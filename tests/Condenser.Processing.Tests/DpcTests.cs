using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.Tests;

/// <summary>DPC maps on vector fields with analytic answers, and the pattern statistics.</summary>
public sealed class DpcTests
{
    [Fact]
    public void DivergenceAndCurlOfLinearFieldsAreExact()
    {
        const int ny = 9, nx = 11;
        var fy = new double[ny * nx];
        var fx = new double[ny * nx];
        for (int y = 0; y < ny; y++)
        {
            for (int x = 0; x < nx; x++)
            {
                fy[(y * nx) + x] = 3 * y;     // ∂Fy/∂y = 3
                fx[(y * nx) + x] = -2 * x + y; // ∂Fx/∂x = -2, ∂Fx/∂y = 1
            }
        }

        Assert.All(Dpc.Divergence(fy, fx, ny, nx), v => Assert.Equal(1, v, 12));
        Assert.All(Dpc.Curl(fy, fx, ny, nx), v => Assert.Equal(1, v, 12));
    }

    [Fact]
    public void IntegrationRecoversThePotentialOfAGradientField()
    {
        // φ = a smooth bump; F = ∇φ sampled analytically. iDPC must return φ up to a constant.
        const int ny = 48, nx = 64;
        var phi = new double[ny * nx];
        var fy = new double[ny * nx];
        var fx = new double[ny * nx];
        for (int y = 0; y < ny; y++)
        {
            for (int x = 0; x < nx; x++)
            {
                double dy = y - 20.0, dx = x - 35.0, s = 7.0;
                double g = Math.Exp(-((dy * dy) + (dx * dx)) / (2 * s * s));
                phi[(y * nx) + x] = g;
                fy[(y * nx) + x] = -dy / (s * s) * g;
                fx[(y * nx) + x] = -dx / (s * s) * g;
            }
        }

        var result = Dpc.Integrate(fy, fx, ny, nx);
        double mean = phi.Average();
        double err = 0, norm = 0;
        for (int i = 0; i < phi.Length; i++)
        {
            err += Math.Pow(result[i] - (phi[i] - mean), 2);
            norm += Math.Pow(phi[i] - mean, 2);
        }

        Assert.True(Math.Sqrt(err / norm) < 0.02, $"relative error {Math.Sqrt(err / norm)}");
        Assert.All(Dpc.Curl(fy, fx, ny, nx), v => Assert.True(Math.Abs(v) < 1e-3));
    }

    [Fact]
    public void PatternStatisticsMatchTheirDefinitions()
    {
        var bytes = new byte[6 * 4 * 2];
        var rng = new Random(9);
        rng.NextBytes(bytes);
        using var ds = EmDataset.FromBytes("s", [6], [2, 2], DType.UInt16, bytes);
        var stats = new PatternStatistics();
        FrameExecutor.RunParallel(ds, [stats], workers: 2, partitionBytes: 8);
        for (int i = 0; i < 4; i++)
        {
            var v = Enumerable.Range(0, 6).Select(f => (double)BitConverter.ToUInt16(bytes, ((f * 4) + i) * 2)).ToArray();
            Assert.Equal(v.Sum(), stats.Sum[i]);
            Assert.Equal(v.Max(), stats.Max[i]);
            Assert.Equal(v.Average(), stats.Mean[i], 9);
            Assert.Equal(Math.Sqrt(v.Select(x => (x - v.Average()) * (x - v.Average())).Average()), stats.StandardDeviation[i], 6);
        }
    }
}
