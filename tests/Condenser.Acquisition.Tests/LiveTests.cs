using System.Runtime.InteropServices;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.MapReduce;

namespace Condenser.Acquisition.Tests;

/// <summary>Frames pushed as they are acquired: a live reduction sees every frame the result holds; sparse scans visit their list.</summary>
public sealed class LiveTests
{
    [Fact]
    public async Task A_live_reduction_sees_every_frame_as_the_twin_acquires_it()
    {
        await using var twin = new DigitalTwin.DigitalTwin(new DigitalTwin.TwinOptions { Scene = "polycrystal", Seed = 5 });
        var live = new PushedFrames(new FrameLayout(DType.UInt16, [12, 16], [32, 32]), capacity: 8);
        var sums = new FrameSums();
        var reduction = LiveReduction.Start(live, [sums], workers: 2);
        var result = await twin.AcquireAsync(Twins.Request(DetectorKind.FourDStem, 0, 0, 20, 16, 50, 32) with { Scan = new ScanSettings(0, 0, 20, 16, 12, 50) }, live);
        live.Complete();
        await reduction.Completion;
        var ds = result.Datasets[0];
        Assert.Equal("(12, 16 | 32, 32)", ds.Shape.ToString());
        for (int i = 0; i < 12 * 16; i++)
        {
            Assert.Equal(Twins.Frame(ds, i).Sum(), sums.Sums[i]);
        }
    }

    [Fact]
    public async Task A_sparse_scan_visits_its_list_with_its_dwells_and_says_where_it_went()
    {
        await using var twin = Twins.Ideal("precipitates");
        var scan = new ScanSettings(-600, -600, 16, 16, 16, 100);
        int[] positions = [0, 255, 17, 128];
        double[] dwells = [100, 400, 100, 200];
        var sparse = await twin.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = scan, Positions = positions, DwellsUs = dwells, CameraPixels = 32 });
        var frames = sparse.Datasets[0];
        Assert.Equal("(4 | 32, 32)", frames.Shape.ToString());
        var xy = MemoryMarshal.Cast<byte, double>(sparse.Datasets[1].ReadAll()).ToArray();
        for (int i = 0; i < positions.Length; i++)
        {
            var (x, y) = scan.Point(positions[i] / 16, positions[i] % 16);
            Assert.Equal(y, xy[2 * i], 9);
            Assert.Equal(x, xy[(2 * i) + 1], 9);
        }

        // Counts follow each position's dwell; the cost lists each position's dose.
        double total0 = Twins.Frame(frames, 0).Sum(), total1 = Twins.Frame(frames, 1).Sum();
        Assert.InRange(total1 / total0, 3.8, 4.2);
        Assert.Equal(4, sparse.Cost.PositionDoseEPerA2.Count);
        Assert.Equal(4 * sparse.Cost.PositionDoseEPerA2[0], sparse.Cost.PositionDoseEPerA2[1], 6);

        // The same grid acquired whole gives the same frames at those positions (ideal twin, no drift).
        await using var again = Twins.Ideal("precipitates");
        var full = await again.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = scan with { DwellUs = 100 }, CameraPixels = 32 });
        Assert.Equal(Twins.Frame(full.Datasets[0], 17), Twins.Frame(frames, 2));

        // A scan detector's sparse image: NaN where the probe did not go.
        var image = await twin.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.Haadf, Scan = scan, Positions = positions });
        var v = Twins.Values(image.Datasets[0]);
        Assert.Equal(4, v.Count(d => !double.IsNaN(d)));
        Assert.False(double.IsNaN(v[255]));
    }
}
