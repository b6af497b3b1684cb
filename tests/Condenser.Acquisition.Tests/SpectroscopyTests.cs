using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Processing.Analyses;

namespace Condenser.Acquisition.Tests;

/// <summary>EELS and EDS against the tabulated edges and lines and the local composition.</summary>
public sealed class SpectroscopyTests
{
    private static double Mean(double[] spectrum, SpectrometerSettings sp, double e0, double e1)
    {
        int i0 = (int)Math.Round((e0 - sp.OffsetEv) / sp.DispersionEv), i1 = (int)Math.Round((e1 - sp.OffsetEv) / sp.DispersionEv);
        return spectrum[i0..i1].Average();
    }

    private static bool HasEdge(double[] s, SpectrometerSettings sp, double onset)
        => Mean(s, sp, onset + 3, onset + 15) > 1.15 * Mean(s, sp, onset - 15, onset - 3);

    [Fact]
    public async Task Eels_edges_appear_at_the_tabulated_onsets_of_the_elements_present()
    {
        await using var twin = Twins.Ideal("oxide-interface");
        var sp = SpectrometerSettings.Eels;
        var substrate = Twins.Values((await twin.AcquireAsync(Twins.Request(DetectorKind.Eels, 0, 30, 2, 1, 1000))).Datasets[0]);
        var film = Twins.Values((await twin.AcquireAsync(Twins.Request(DetectorKind.Eels, 0, -20, 2, 1, 1000))).Datasets[0]);
        Assert.True(HasEdge(substrate, sp, 456), "Ti L2,3 in SrTiO3");
        Assert.True(HasEdge(substrate, sp, 532), "O K in SrTiO3");
        Assert.False(HasEdge(substrate, sp, 832), "no La M4,5 in SrTiO3");
        Assert.True(HasEdge(film, sp, 832), "La M4,5 in LaAlO3");
        Assert.True(HasEdge(film, sp, 532), "O K in LaAlO3");
        Assert.False(HasEdge(film, sp, 456), "no Ti L2,3 in LaAlO3");
        // The zero-loss peak sits at 0 eV.
        int peak = Array.IndexOf(substrate, substrate.Max());
        Assert.InRange((peak * sp.DispersionEv) + sp.OffsetEv, -0.5, 0.5);
    }

    [Fact]
    public async Task The_edge_signal_follows_composition_times_thickness()
    {
        // The wedge: thickness grows along x. The Ti L2,3 signal after a power-law background fit, per the
        // thickness and Ti fraction of the truth, is the same at both ends.
        await using var twin = Twins.Ideal("oxide-interface");
        var scan = new ScanSettings(0, 30, 1600, 4, 1, 2000);
        var r = await twin.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.Eels, Scan = scan });
        var map = EelsEdgeMap.Run(new AnalysisRun(r.Datasets[0]), new EelsEdgeParameters(new EnergyWindow(420, 450), new EnergyWindow(456, 486)));
        var signal = map.Values(EelsEdgeMap.Signal);
        double PerTi(int i)
        {
            var (x, y) = scan.Point(0, i);
            var t = GroundTruth.At(twin.Scene, x, y);
            return signal[i] / (t.ThicknessNm * t.Fractions["Ti"]);
        }

        double thin = GroundTruth.At(twin.Scene, scan.Point(0, 0).X, 30).ThicknessNm, thick = GroundTruth.At(twin.Scene, scan.Point(0, 3).X, 30).ThicknessNm;
        Assert.True(thick > 1.5 * thin);
        Assert.InRange(PerTi(3) / PerTi(0), 0.9, 1.1);
    }

    [Fact]
    public async Task Eds_shows_copper_lines_in_a_precipitate_and_not_in_the_matrix()
    {
        await using var twin = Twins.Ideal("precipitates");
        var plate = twin.Scene.Features.First(f => f.Kind == "precipitate");
        var sp = SpectrometerSettings.Eds;
        var inside = Twins.Values((await twin.AcquireAsync(Twins.Request(DetectorKind.Eds, plate.XNm, plate.YNm, 0.5, 1, 100000))).Datasets[0]);
        var matrix = Twins.Values((await twin.AcquireAsync(Twins.Request(DetectorKind.Eds, -600, -600, 0.5, 1, 100000))).Datasets[0]);
        double CuKa(double[] s) => Mean(s, sp, 7950, 8150) / Mean(s, sp, 7500, 7700);
        double AlKa(double[] s) => Mean(s, sp, 1440, 1540) / Mean(s, sp, 2600, 2800);
        Assert.True(CuKa(inside) > 2, $"Cu Kα peak/background {CuKa(inside)}");
        Assert.InRange(CuKa(matrix), 0.8, 1.2);
        Assert.True(AlKa(matrix) > 5);
    }
}
