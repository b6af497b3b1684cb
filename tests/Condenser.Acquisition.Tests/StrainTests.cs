using System.Diagnostics;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Processing.Analyses;

namespace Condenser.Acquisition.Tests;

/// <summary>The strain analysis on the twin's 4D-STEM data recovers the strain field the twin imposed.</summary>
public sealed class StrainTests
{
    private readonly System.Text.StringBuilder _log = new();

    private void W(string s) => _log.AppendLine(s);

    [Fact]
    public async Task The_strain_around_a_precipitate_is_recovered_within_a_tenth_of_a_percent()
    {
        var options = new TwinOptions { Scene = "precipitates", Seed = 1 }.Ideal();
        await using var twin = new DigitalTwin.DigitalTwin(options);
        var plate = twin.Scene.Features.Where(f => f.Kind == "precipitate").OrderBy(f => Math.Abs(f.SizeNm - 40)).First();
        W($"plate {plate}");
        await twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 1.5, ProbeCurrentPa = 20 });
        int n = 40;
        double fov = 40;
        // Beside the plate: which way is it long? probe the truth.
        var tx = GroundTruth.At(twin.Scene, plate.XNm + plate.SizeNm * 0.9, plate.YNm);
        bool alongX = tx.PhaseId == 2;
        double cx = alongX ? plate.XNm : plate.XNm + 22, cy = alongX ? plate.YNm + 22 : plate.YNm;
        var scan = new ScanSettings(cx, cy, fov, n, n, 1000);
        var sw = Stopwatch.StartNew();
        var r = await twin.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = scan, CameraPixels = 128 });
        W($"alongX {alongX} acquire {sw.Elapsed.TotalSeconds:F2}s");
        var ds = r.Datasets[0];
        var region = alongX ? new ScanRegion(n - 6, n, 0, n) : new ScanRegion(0, n, n - 6, n);
        var result = StrainAnalysis.Run(new AnalysisRun(ds), new StrainParameters(region, 5, 0.01));
        W($"strain {sw.Elapsed.TotalSeconds:F2}s {result.Summary}");
        var exx = result.Values(StrainAnalysis.Exx);
        var eyy = result.Values(StrainAnalysis.Eyy);
        var exy = result.Values(StrainAnalysis.Exy);
        var truth = new TruthSample[n * n];
        for (int i = 0; i < n * n; i++)
        {
            var (x, y) = scan.Point(i / n, i % n);
            truth[i] = GroundTruth.At(twin.Scene, x, y);
        }

        var refIdx = Enumerable.Range(0, n * n).Where(i => i / n >= region.Y0 && i / n < region.Y1 && i % n >= region.X0 && i % n < region.X1).ToArray();
        double rx = refIdx.Average(i => truth[i].Exx), ry = refIdx.Average(i => truth[i].Eyy), rxy = refIdx.Average(i => truth[i].Exy);
        double maxErr = 0, maxTruth = 0;
        for (int i = 0; i < n * n; i++)
        {
            if (truth[i].PhaseId != 1) continue;
            double e = Math.Max(Math.Abs(exx[i] - (truth[i].Exx - rx)), Math.Max(Math.Abs(eyy[i] - (truth[i].Eyy - ry)), Math.Abs(exy[i] - (truth[i].Exy - rxy))));
            maxErr = Math.Max(maxErr, double.IsNaN(e) ? 1 : e);
            maxTruth = Math.Max(maxTruth, Math.Abs(truth[i].Eyy - ry));
        }

        W($"max error {maxErr:E3} max truth {maxTruth:E3}");
        // The disks sit at the lattice's g-vectors: Al (200) and (020) at λ|g| over the camera's angle per pixel.
        double expected = Condenser.Processing.FourDStem.DetectorCalibration.ElectronWavelengthNm(200) * 2 / 0.40495 * 1e3 / ds.Axes[^1].Scale;
        foreach (var g in new[] { "g1", "g2" })
        {
            var v = result.Summary[g]!.AsArray();
            double length = Math.Sqrt(Math.Pow(v[0]!.GetValue<double>(), 2) + Math.Pow(v[1]!.GetValue<double>(), 2));
            Assert.InRange(length, expected - 0.5, expected + 0.5);
        }

        Assert.True(maxTruth > 2e-3, $"the region holds too little strain to test ({maxTruth})\n{_log}");
        Assert.True(maxErr < 1e-3, $"strain recovered within {maxErr:E2}\n{_log}");
        for (int row = 0; row < n; row += 8)
        {
            int i = (row * n) + (n / 2);
            W($"row {row}: exx {exx[i]:F5} vs {truth[i].Exx - rx:F5}  eyy {eyy[i]:F5} vs {truth[i].Eyy - ry:F5} exy {exy[i]:F5} vs {truth[i].Exy - rxy:F5} phase {truth[i].PhaseId}");
        }
    }
}
