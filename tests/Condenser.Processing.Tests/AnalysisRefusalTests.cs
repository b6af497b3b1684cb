using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Processing.Analyses;

namespace Condenser.Processing.Tests;

/// <summary>Nonsense is refused with a message that names it, never answered with a silent number.</summary>
public sealed class AnalysisRefusalTests
{
    private static EmDataset Spectra(int positions, Axis energy, Func<double, double> counts)
    {
        var values = new double[positions * energy.Size];
        for (int p = 0; p < positions; p++)
        {
            for (int i = 0; i < energy.Size; i++)
            {
                values[(p * energy.Size) + i] = counts(energy.Offset + (i * energy.Scale));
            }
        }

        var bytes = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return new EmDataset("si", new DatasetShape([positions], [energy.Size]), [Axis.Plain("x", positions, true), energy], DType.Float64, new MemoryStorage(bytes));
    }

    private static double Edge(double e) => (1e9 * Math.Pow(Math.Max(e, 1), -3)) + (e >= 284 ? 50 : 0);

    [Fact]
    public void AnEnergyAxisWithoutEnergyUnitsIsRefusedUnlessCalibrated()
    {
        // Channel indices, as a file without calibration gives them; the same spectra at 200 + 0.5·i eV.
        using var raw = Spectra(2, new Axis("channel", 400, 1, 0, string.Empty), i => Edge(200 + (0.5 * i)));
        var windows = new EelsEdgeParameters(new EnergyWindow(250, 280), new EnergyWindow(290, 330));
        var e = Assert.Throws<ArgumentException>(() => EelsEdgeMap.Run(new AnalysisRun(raw), windows));
        Assert.Contains("not calibrated in energy", e.Message);
        Assert.Contains("--energy-scale", e.Message);
        var result = EelsEdgeMap.Run(new AnalysisRun(raw), windows with { EnergyScaleEv = 0.5, EnergyOffsetEv = 200 });
        Assert.All(result.Values(EelsEdgeMap.Signal), v => Assert.Equal(50.0 * 80, v, 1));
    }

    [Fact]
    public void WindowsOutsideTheSpectrumOrInTheWrongOrderAreRefused()
    {
        using var ds = Spectra(1, new Axis("E", 400, 0.5, 200, "eV"), Edge);
        var outside = Assert.Throws<ArgumentException>(() => EelsEdgeMap.Run(new AnalysisRun(ds), new EelsEdgeParameters(new EnergyWindow(150, 190), new EnergyWindow(290, 330))));
        Assert.Contains("background window 150:190 eV holds 0 channel(s)", outside.Message);
        var beyond = Assert.Throws<ArgumentException>(() => EelsEdgeMap.Run(new AnalysisRun(ds), new EelsEdgeParameters(new EnergyWindow(250, 280), new EnergyWindow(500, 600))));
        Assert.Contains("edge window 500:600 eV", beyond.Message);
        var reversed = Assert.Throws<ArgumentException>(() => EelsEdgeMap.Run(new AnalysisRun(ds), new EelsEdgeParameters(new EnergyWindow(280, 250), new EnergyWindow(290, 330))));
        Assert.Contains("start below end", reversed.Message);
    }

    [Fact]
    public void ZeroLossIsRefusedWhereNoPeakSitsNearZero()
    {
        using var coreLoss = Spectra(3, new Axis("E", 400, 0.5, 200, "eV"), Edge);
        Assert.Contains("no zero-loss peak", Assert.Throws<ArgumentException>(() => ZeroLossAnalysis.Run(new AnalysisRun(coreLoss))).Message);

        // The axis spans 0 eV, but the spectra peak at 30 eV (a plasmon-dominated or offset axis).
        using var offset = Spectra(3, new Axis("E", 600, 0.1, -10, "eV"), e => 1000 * Math.Exp(-0.5 * Math.Pow((e - 30) / 0.5, 2)));
        Assert.Contains("at a median 30", Assert.Throws<ArgumentException>(() => ZeroLossAnalysis.Run(new AnalysisRun(offset))).Message);

        using var lowLoss = Spectra(3, new Axis("E", 600, 0.1, -10, "eV"), e => 1000 * Math.Exp(-0.5 * Math.Pow((e - 0.3) / 0.5, 2)));
        Assert.All(ZeroLossAnalysis.Run(new AnalysisRun(lowLoss)).Values(ZeroLossAnalysis.Position), v => Assert.Equal(0.3, v, 0.02));
    }

    [Fact]
    public void AtomColumnsAreNotLookedForInADiffractionPattern()
    {
        var bytes = new byte[64 * 64 * 8];
        using var pattern = new EmDataset("dp", new DatasetShape([], [64, 64]), [new Axis("ky", 64, 0.1, -3.2, "1/nm"), new Axis("kx", 64, 0.1, -3.2, "1/nm")], DType.Float64, new MemoryStorage(bytes));
        var e = Assert.Throws<ArgumentException>(() => AtomColumnsAnalysis.Run(new AnalysisRun(pattern), new AtomColumnsParameters(4)));
        Assert.Contains("diffraction pattern", e.Message);
    }

    /// <summary>A float32 scan of whole random counts 0..9.</summary>
    internal static EmDataset Scan(int ny, int nx, int det)
    {
        var values = new float[ny * nx * det * det];
        var rng = new Random(2);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rng.Next(10);
        }

        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return new EmDataset("scan", new DatasetShape([ny, nx], [det, det]), [Axis.Plain("y", ny, true), Axis.Plain("x", nx, true), Axis.Plain("ky", det, false), Axis.Plain("kx", det, false)], DType.Float32, new MemoryStorage(bytes));
    }

    [Fact]
    public void AnAnnulusBeyondTheDetectorIsRefused()
    {
        using var ds = Scan(2, 2, 32);
        var e = Assert.Throws<ArgumentException>(() => VirtualImage.Run(new AnalysisRun(ds), new VirtualImageParameters(200, 300, Center: (16, 16))));
        Assert.Contains("holds no detector pixel", e.Message);
    }

    [Fact]
    public void AScanTooSmallToTellTheRotationSaysSoAndWritesNoDpcMaps()
    {
        using var ds = Scan(3, 3, 16);
        var result = CenterOfMassAnalysis.Run(new AnalysisRun(ds), new CenterOfMassParameters((8, 8)));
        Assert.Null(result.Summary["rotation_deg"]);
        Assert.Contains("too small to tell", result.Summary["rotation_undetermined"]!.GetValue<string>());
        Assert.DoesNotContain(result.Datasets, d => d.Name.StartsWith("dpc", StringComparison.Ordinal));
    }
}
