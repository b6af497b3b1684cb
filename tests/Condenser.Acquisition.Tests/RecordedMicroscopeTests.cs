using Condenser.Acquisition.Instrument;
using Condenser.Acquisition.Recorded;
using Condenser.Formats;

namespace Condenser.Acquisition.Tests;

/// <summary>A recorded 4D-STEM file served as a microscope: the frames as recorded at the recorded dose, thinned below it, and nothing it cannot give.</summary>
public sealed class RecordedMicroscopeTests
{
    private static string Mib => Path.Combine(TestData.Root, "quantumdetector", "001_4x2_6bit.mib");

    [Fact]
    public async Task At_the_recorded_dose_the_frames_are_the_file_s_and_below_it_they_are_thinned()
    {
        using var file = FormatRegistry.Open(Mib);
        var ds = file.Datasets[0];
        await using var m = new RecordedMicroscope(ds, recordedCurrentPa: 10, recordedDwellUs: 1000, seed: 3);
        var scan = new ScanSettings(0, 0, m.FieldOfView, m.PixelsX, m.PixelsY, 1000);
        var full = await m.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = scan });
        for (int f = 0; f < ds.FrameCount; f++)
        {
            var recorded = new byte[ds.FrameBytes];
            ds.ReadFrame(f, recorded);
            Assert.Equal(recorded.Select(b => (double)b), Twins.Frame(full.Datasets[0], f));
        }

        // Half the dwell: every count kept with probability ½.
        var half = await m.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = scan with { DwellUs = 500 }, Positions = [5, 2] });
        Assert.Equal("(2 | 256, 256)", half.Datasets[0].Shape.ToString());
        var original = Twins.Frame(full.Datasets[0], 5);
        var thinned = Twins.Frame(half.Datasets[0], 0);
        Assert.All(Enumerable.Range(0, original.Length), k => Assert.True(thinned[k] <= original[k]));
        double total = original.Sum();
        Assert.InRange(thinned.Sum(), (total / 2) - (4 * Math.Sqrt(total / 4)), (total / 2) + (4 * Math.Sqrt(total / 4)));
        Assert.Equal(1.0 + 0.5 * 2 / 8, (await m.GetStateAsync()).ClockS / (8 * 1e-3), 9);
    }

    [Fact]
    public async Task What_a_recording_cannot_give_is_refused_naming_it()
    {
        using var file = FormatRegistry.Open(Mib);
        await using var m = new RecordedMicroscope(file.Datasets[0], 10, 1000);
        var scan = new ScanSettings(0, 0, m.FieldOfView, m.PixelsX, m.PixelsY, 1000);
        async Task<string> Refused(Func<Task> act) => (await Assert.ThrowsAnyAsync<InterlockException>(act)).Limit;
        Assert.Equal("scan", await Refused(() => m.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = scan with { PixelsX = 8 } })));
        Assert.Equal("scan.dwell_us", await Refused(() => m.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = scan with { DwellUs = 2000 } })));
        Assert.Equal("detector", await Refused(() => m.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.Eels, Scan = scan })));
        Assert.Equal("detector.angles", await Refused(() => m.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.Haadf, Scan = scan })));
        Assert.Equal("stage", await Refused(() => m.MoveStageAsync(new StageChange { XUm = 1 })));
        Assert.Equal("optics.high_tension_kv", await Refused(() => m.SetOpticsAsync(new OpticsChange { HighTensionKv = 300 })));
        Assert.Equal("optics.probe_current_pa", await Refused(() => m.SetOpticsAsync(new OpticsChange { ProbeCurrentPa = 20 })));
        await m.SetOpticsAsync(new OpticsChange { ProbeCurrentPa = 5 });
        await m.SetBudgetAsync(new ExperimentBudget(MaxTimeS: 0.004));
        Assert.Equal("budget.max_time_s", await Refused(() => m.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = scan })));
        Assert.Equal(0, (await m.GetStateAsync()).Acquisitions);
    }

    [Fact]
    public async Task A_scan_detector_is_the_annulus_of_the_recorded_frames()
    {
        // The twin's own 4D-STEM output, calibrated in mrad, as the recording.
        await using var twin = Twins.Ideal("precipitates");
        await twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 10 });
        var recording = (await twin.AcquireAsync(Twins.Request(DetectorKind.FourDStem, -600, -600, 8, 6, 1000, 64))).Datasets[0];
        await using var m = new RecordedMicroscope(recording, 20, 1000);
        var scan = new ScanSettings(0, 0, m.FieldOfView, 6, 6, 1000);
        var bf = await m.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.Bf, Scan = scan, Angles = new DetectorAngles(0, 5) });
        var values = Twins.Values(bf.Datasets[0]);
        double mrad = recording.Axes[^1].Scale;
        var (cy, cx) = Condenser.Processing.FourDStem.FourDStemInputs.DiskCenter(recording);
        for (int f = 0; f < 36; f++)
        {
            var frame = Twins.Frame(recording, f);
            double expected = 0;
            for (int k = 0; k < frame.Length; k++)
            {
                double r = Math.Sqrt(Math.Pow((k / 64) - cy, 2) + Math.Pow((k % 64) - cx, 2));
                expected += r < 5 / mrad ? frame[k] : 0;
            }

            Assert.Equal(expected, values[f], 3);
        }

        Assert.Equal("nm", bf.Datasets[0].Axes[0].Units);
        Assert.True(bf.Cost.DoseEPerA2 > 0);
    }
}
