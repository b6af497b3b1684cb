using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;

namespace Condenser.Acquisition.Tests;

/// <summary>Noise, determinism, drift and damage.</summary>
public sealed class RealismTests
{
    [Fact]
    public async Task Camera_counts_follow_the_dose_with_Poisson_statistics()
    {
        await using var twin = new DigitalTwin.DigitalTwin(new TwinOptions { Scene = "precipitates", Seed = 2 });
        await twin.SetOpticsAsync(new OpticsChange { ProbeCurrentPa = 0.5, ConvergenceMrad = 10 });
        // Vacuum (beyond the field): every frame has the same expectation.
        var low = await twin.AcquireAsync(Twins.Request(DetectorKind.FourDStem, 1400, 0, 10, 16, 100, 64));
        var high = await twin.AcquireAsync(Twins.Request(DetectorKind.FourDStem, 1400, 0, 10, 16, 400, 64));
        double Total(AcquisitionResult r) => Enumerable.Range(0, 256).Average(i => Twins.Frame(r.Datasets[0], i).Sum());
        double electronsLow = 0.5e-12 * 100e-6 / DigitalTwin.DigitalTwin.ElectronCharge;
        Assert.InRange(Total(low) / electronsLow, 0.97, 1.03);
        Assert.InRange(Total(high) / Total(low), 3.9, 4.1);
        // Per pixel in the disk: variance ≈ mean.
        int pixel = (32 * 64) + 32;
        var counts = Enumerable.Range(0, 256).Select(i => Twins.Frame(high.Datasets[0], i)[pixel]).ToArray();
        double mean = counts.Average(), variance = counts.Sum(c => (c - mean) * (c - mean)) / (counts.Length - 1);
        Assert.True(mean > 5);
        Assert.InRange(variance / mean, 0.75, 1.25);
        Assert.Equal(low.Cost.TotalElectrons, electronsLow * 256, 6);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_data_and_another_seed_other_data()
    {
        async Task<byte[]> Run(ulong seed)
        {
            await using var twin = new DigitalTwin.DigitalTwin(new TwinOptions { Scene = "polycrystal", Seed = seed });
            await twin.MoveStageAsync(new StageChange { XUm = 0.1 });
            var r = await twin.AcquireAsync(Twins.Request(DetectorKind.Haadf, 0, 0, 50, 64));
            var d = await twin.AcquireAsync(Twins.Request(DetectorKind.FourDStem, 0, 0, 20, 8, 100, 32));
            return [.. r.Datasets[0].ReadAll(), .. d.Datasets[0].ReadAll()];
        }

        var a = await Run(7);
        Assert.Equal(a, await Run(7));
        Assert.NotEqual(a, await Run(8));
    }

    [Fact]
    public async Task Drift_moves_features_at_the_set_rate()
    {
        var options = new TwinOptions { Scene = "nanoparticles", Seed = 4 }.Ideal() with { DriftNmPerS = 2 };
        await using var twin = new DigitalTwin.DigitalTwin(options);
        var particle = twin.Scene.Features.First(f => f.Kind == "particle" && f.PhaseId == 1 && f.SizeNm > 6);
        var request = Twins.Request(DetectorKind.Haadf, particle.XNm, particle.YNm, 40, 96, 1);
        var first = await twin.AcquireAsync(request);
        var second = await twin.AcquireAsync(request with { Scan = request.Scan with { DwellUs = 200 } }); // 1.9 s later, and slower
        var third = await twin.AcquireAsync(request);
        double elapsed = third.StartedS - first.StartedS;
        (double X, double Y) Centroid(AcquisitionResult r)
        {
            var v = Twins.Values(r.Datasets[0]);
            double floor = v.OrderBy(x => x).ElementAt(v.Length / 2), s = 0, sx = 0, sy = 0;
            for (int i = 0; i < v.Length; i++)
            {
                double w = Math.Max(0, v[i] - floor);
                s += w;
                sx += w * (i % 96);
                sy += w * (i / 96);
            }

            return (sx / s * 40 / 96, sy / s * 40 / 96);
        }

        var (x1, y1) = Centroid(first);
        var (x3, y3) = Centroid(third);
        // The sample moves by the drift; the feature moves the other way across the image.
        double moved = Math.Sqrt(((x3 - x1) * (x3 - x1)) + ((y3 - y1) * (y3 - y1)));
        Assert.InRange(moved / (2 * elapsed), 0.9, 1.1);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task Damage_grows_with_the_accumulated_dose()
    {
        var options = new TwinOptions { Scene = "precipitates", Seed = 1 }.Ideal() with { Damage = true };
        await using var twin = new DigitalTwin.DigitalTwin(options);
        await twin.SetOpticsAsync(new OpticsChange { ProbeCurrentPa = 100 });
        var request = Twins.Request(DetectorKind.Haadf, -700, -700, 4, 64, 2000);
        double Contrast(AcquisitionResult r)
        {
            var v = Twins.Values(r.Datasets[0]);
            double m = v.Average();
            return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / v.Length) / m;
        }

        var contrasts = new List<double>();
        var doses = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            contrasts.Add(Contrast(await twin.AcquireAsync(request)));
            doses.Add(twin.DoseAt(-700, -700));
        }

        Assert.True(doses[0] > 1e6, $"one frame gives {doses[0]:G3} e/Å²");
        Assert.Equal(doses[0] * 5, doses[4], doses[0] * 1e-3);
        Assert.True(contrasts[1] < 0.9 * contrasts[0] && contrasts[4] < contrasts[1], string.Join(", ", contrasts));
        var state = await twin.GetStateAsync();
        Assert.Equal(doses[4], state.Budget.PeakDoseEPerA2, doses[4] * 1e-3);
    }
}
