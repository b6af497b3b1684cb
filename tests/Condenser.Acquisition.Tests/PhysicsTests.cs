using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Processing.FourDStem;

namespace Condenser.Acquisition.Tests;

/// <summary>The twin's imaging physics against analytical results.</summary>
public sealed class PhysicsTests
{
    [Theory]
    [InlineData(200, 10)]
    [InlineData(200, 20)]
    [InlineData(300, 30)]
    [InlineData(80, 25)]
    public void The_in_focus_probe_is_diffraction_limited(double kv, double alphaMrad)
    {
        // An aberration-free circular aperture gives the Airy pattern: FWHM = 0.5145 λ/α.
        var probe = new ProbeProfile(kv, alphaMrad, 0, csNm: 0);
        double expected = 0.5145 * DetectorCalibration.ElectronWavelengthNm(kv) / (alphaMrad * 1e-3);
        Assert.InRange(probe.FwhmNm / expected, 0.98, 1.02);
    }

    [Fact]
    public void Defocus_widens_the_probe()
    {
        var focused = new ProbeProfile(200, 20, 0);
        var defocused = new ProbeProfile(200, 20, 20);
        Assert.True(defocused.HalfCurrentRadiusNm() > 1.5 * focused.HalfCurrentRadiusNm(), $"{defocused.HalfCurrentRadiusNm()} vs {focused.HalfCurrentRadiusNm()}");
        // Geometric optics at large defocus: the disk of radius Δf·α holds the current.
        var far = new ProbeProfile(200, 20, 200);
        Assert.InRange(far.HalfCurrentRadiusNm() / (200 * 0.02 / Math.Sqrt(2)), 0.85, 1.15);
    }

    [Fact]
    public async Task The_stage_height_moves_the_sample_out_of_focus()
    {
        await using var twin = Twins.Ideal("oxide-interface");
        double Contrast(AcquisitionResult r)
        {
            var v = Twins.Values(r.Datasets[0]);
            double m = v.Average();
            return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / v.Length) / m;
        }

        var request = Twins.Request(DetectorKind.Haadf, 0, 300, 4, 64);
        double focused = Contrast(await twin.AcquireAsync(request));
        await twin.MoveStageAsync(new StageChange { ZUm = 0.03 });
        double defocused = Contrast(await twin.AcquireAsync(request));
        Assert.True(defocused < 0.3 * focused, $"{defocused} vs {focused}");
        await twin.SetOpticsAsync(new OpticsChange { DefocusNm = -30 }); // the lens brings it back
        Assert.InRange(Contrast(await twin.AcquireAsync(request)) / focused, 0.98, 1.02);
    }

    [Theory]
    [InlineData("oxide-interface", 0.0, 300.0, 0.3905)] // SrTiO3 [001]: d100
    [InlineData("precipitates", -700.0, -700.0, 0.40495 / 2)] // Al [001]: projected columns at a/2, d200
    public async Task The_haadf_image_shows_the_phase_lattice(string scene, double x, double y, double spacingNm)
    {
        await using var twin = Twins.Ideal(scene);
        var truth = GroundTruth.At(twin.Scene, x, y);
        Assert.False(double.IsNaN(truth.Exx));
        int n = 128;
        double fov = 16 * spacingNm;
        var r = await twin.AcquireAsync(Twins.Request(DetectorKind.Haadf, x, y, fov, n));
        var image = Twins.Values(r.Datasets[0]);
        double pixel = fov / n;
        // The strongest spatial frequency near 1/d along x and along y: a fine search of the Fourier transform.
        foreach (var (ux, uy) in new[] { (1.0, 0.0), (0.0, 1.0) })
        {
            double best = 0, bestK = 0;
            for (double k = 0.85 / spacingNm; k <= 1.15 / spacingNm; k += 0.0005 / spacingNm)
            {
                // The lattice may be rotated slightly (miscut): search the angle too.
                for (double a = -0.03; a <= 0.03; a += 0.005)
                {
                    double kx = k * ((ux * Math.Cos(a)) - (uy * Math.Sin(a))), ky = k * ((ux * Math.Sin(a)) + (uy * Math.Cos(a)));
                    double f = Twins.Fourier(image, n, pixel, kx, ky);
                    if (f > best)
                    {
                        best = f;
                        bestK = k;
                    }
                }
            }

            Assert.InRange(1 / bestK / spacingNm, 0.99, 1.01);
        }
    }

    [Fact]
    public async Task Haadf_intensity_follows_the_atomic_number_to_the_power_1_7()
    {
        // Gold and silicon particles on the same carbon film: the diffuse exponent −ln(1 − f) above the film's,
        // per atom per area, goes as Z^1.7.
        await using var twin = Twins.Ideal("nanoparticles");
        var physics = new Physics(twin.Scene, twin.Options.InitialOptics, StagePosition.Origin, new ProbeProfile(200, 20, 0), null);
        double PerAtom(SceneFeature p)
        {
            double signal = 0, atoms = 0, film = 0;
            int k = 0, m = 0;
            for (double a = 0; a < 2 * Math.PI; a += 0.01, m++)
            {
                film += physics.DiffuseExponent(p.XNm + (1.3 * p.SizeNm * Math.Cos(a)), p.YNm + (1.3 * p.SizeNm * Math.Sin(a)));
            }

            film /= m;
            for (double dx = -0.3; dx <= 0.3; dx += 0.011)
            {
                for (double dy = -0.3; dy <= 0.3; dy += 0.013, k++)
                {
                    double x = p.XNm + (dx * p.SizeNm), y = p.YNm + (dy * p.SizeNm);
                    signal += physics.DiffuseExponent(x, y) - film;
                    var (areal, _) = physics.Composition(x, y);
                    atoms += areal.Where(e => e.Key != "C").Sum(e => e.Value);
                }
            }

            return signal / atoms;
        }

        var gold = twin.Scene.Features.First(f => f.Kind == "particle" && f.PhaseId == 1 && f.SizeNm > 8);
        var silicon = twin.Scene.Features.First(f => f.Kind == "particle" && f.PhaseId == 2 && f.SizeNm > 8);
        double exponent = Math.Log(PerAtom(gold) / PerAtom(silicon)) / Math.Log(79.0 / 14.0);
        Assert.InRange(exponent, 1.65, 1.75);
    }

    [Fact]
    public async Task The_bright_field_disk_has_the_convergence_angle()
    {
        await using var twin = Twins.Ideal("precipitates");
        await twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 8, CameraLengthMm = 200 });
        var r = await twin.AcquireAsync(Twins.Request(DetectorKind.FourDStem, 1500, 0, 4, 2, 1000)); // beyond the field: vacuum
        var frame = Twins.Frame(r.Datasets[0], 0);
        var disk = BrightFieldDisk.Detect(frame, 128);
        double mradPerPixel = twin.Description.MradPerCameraPixel(128, 200);
        Assert.Equal(r.Datasets[0].Axes[^1].Scale, mradPerPixel, 9);
        Assert.InRange(disk.Radius, (8 / mradPerPixel) - 0.5, (8 / mradPerPixel) + 0.5);
        Assert.InRange(disk.CenterX, 63.5, 64.5);
    }

    [Fact]
    public async Task The_centre_of_mass_deflects_towards_the_higher_potential_across_the_interface()
    {
        await using var twin = Twins.Ideal("oxide-interface");
        await twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 20, CameraLengthMm = 100 });
        // A line across the interface (y = 0): film (LaAlO3, higher mean inner potential) above, substrate below.
        var scan = new ScanSettings(0, 0, 8, 64, 1, 1000, RotationDeg: 90);
        var r = await twin.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = scan, CameraPixels = 128 });
        double mrad = r.Datasets[0].Axes[^1].Scale;
        double[] comY = Enumerable.Range(0, 64).Select(i =>
        {
            var f = Twins.Frame(r.Datasets[0], i);
            double s = 0, m = 0;
            for (int k = 0; k < f.Length; k++)
            {
                s += f[k];
                m += f[k] * (k / 128);
            }

            return ((m / s) - 64) * mrad;
        }).ToArray();
        double far = (comY[2] + comY[61]) / 2;
        int at = Enumerable.Range(0, 64).OrderBy(i => comY[i]).First();
        double deflection = comY[at] - far;
        // Expected: (λσ/2π) d(V t)/dy at the interface, V t stepping by ΔV·t over an erf of width 0.8 nm.
        double lambda = DetectorCalibration.ElectronWavelengthNm(200), sigma = Diffraction.InteractionConstant(200);
        double t = 40, dv = CrystalStructure.LanthanumAluminate.MeanInnerPotentialV - CrystalStructure.StrontiumTitanate.MeanInnerPotentialV;
        double expected = -lambda * sigma / (2 * Math.PI) * dv * t / (Math.Sqrt(Math.PI) * OxideInterfaceScene.IntermixNm) * 1e3;
        Assert.InRange(Math.Abs(scan.Point(0, at).Y), 0, 0.5);
        Assert.InRange(deflection / expected, 0.75, 1.25);
    }
}

/// <summary>Point defects: drawn column by column from the seed, listed by the truth, seen where they change the HAADF.</summary>
public sealed class PointDefectTests
{
    [Fact]
    public async Task Gold_atoms_in_silicon_columns_are_bright_where_the_truth_puts_them()
    {
        await using var twin = Twins.Ideal("nanoparticles", 2);
        var particle = twin.Scene.Features.Where(f => f.Kind == "particle" && f.PhaseId == 2).OrderByDescending(f => f.SizeNm).First();
        double half = 4;
        var defects = GroundTruth.PointDefects(twin.Scene, particle.XNm - half, particle.YNm - half, particle.XNm + half, particle.YNm + half);
        Assert.NotEmpty(defects);
        Assert.All(defects, d => Assert.Equal(("Si", "Au"), (d.Host, d.Substitute)));
        int n = 256;
        var r = await twin.AcquireAsync(Twins.Request(DetectorKind.Haadf, particle.XNm, particle.YNm, 2 * half, n));
        var image = Twins.Values(r.Datasets[0]);
        var sorted = image.OrderBy(v => v).ToArray();
        double p95 = sorted[(int)(0.95 * sorted.Length)];
        double pixel = 2 * half / n;
        foreach (var (x, y, _, _) in defects)
        {
            int col = (int)Math.Round((x - (particle.XNm - half)) / pixel - 0.5), row = (int)Math.Round((y - (particle.YNm - half)) / pixel - 0.5);
            if (col < 2 || row < 2 || col >= n - 2 || row >= n - 2)
            {
                continue;
            }

            double peak = Enumerable.Range(-2, 5).SelectMany(dy => Enumerable.Range(-2, 5).Select(dx => image[((row + dy) * n) + col + dx])).Max();
            Assert.True(peak > p95, $"the gold atom at ({x:F2}, {y:F2}) is not among the brightest 5 %: {peak} vs {p95}");
        }
    }

    [Fact]
    public void The_same_seed_draws_the_same_defects()
    {
        var a = GroundTruth.PointDefects(Scenes.Create("oxide-interface", 4), -5, 5, 5, 15);
        var b = GroundTruth.PointDefects(Scenes.Create("oxide-interface", 4), -5, 5, 5, 15);
        var c = GroundTruth.PointDefects(Scenes.Create("oxide-interface", 5), -5, 5, 5, 15);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // La on 2 % of the Sr columns, O vacancies in 1 % of the O columns, of ~26 × 26 cells.
        Assert.InRange(a.Count(d => d.Substitute == "La"), 4, 30);
        Assert.InRange(a.Count(d => d.Substitute is null), 4, 40);
    }
}

/// <summary>Excitation errors follow the orientation: a tilt breaks the symmetry of a zone-axis pattern.</summary>
public sealed class TiltTests
{
    [Fact]
    public async Task Tilting_the_stage_excites_one_side_of_the_pattern()
    {
        await using var twin = Twins.Ideal("precipitates");
        await twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 2, CameraLengthMm = 100 });
        var request = Twins.Request(DetectorKind.FourDStem, -600, -600, 1, 1, 1000, 128);
        double mrad = twin.Description.MradPerCameraPixel(128, 100);
        double g = Condenser.Processing.FourDStem.DetectorCalibration.ElectronWavelengthNm(200) * 2 / 0.40495 * 1e3 / mrad;
        (double Plus, double Minus) Disks(double[] frame)
        {
            double Sum(int dx) => Enumerable.Range(-1, 3).SelectMany(dy => Enumerable.Range(-1, 3).Select(ex => frame[((64 + dy) * 128) + 64 + (int)Math.Round(dx * g) + ex])).Sum();
            return (Sum(1), Sum(-1));
        }

        var (p0, m0) = Disks(Twins.Frame((await twin.AcquireAsync(request)).Datasets[0], 0));
        Assert.InRange(p0 / m0, 0.97, 1.03);
        await twin.MoveStageAsync(new StageChange { BetaDeg = 0.7 });
        var (p1, m1) = Disks(Twins.Frame((await twin.AcquireAsync(request)).Datasets[0], 0));
        Assert.True(Math.Abs(Math.Log(p1 / m1)) > 0.2, $"(200) {p1} against (-200) {m1} after the tilt");
    }
}

/// <summary>The camera's rotation against the scan, as the centre-of-mass analysis calibrates it.</summary>
public sealed class CameraRotationTests
{
    [Fact]
    public async Task The_centre_of_mass_analysis_finds_the_camera_s_rotation()
    {
        async Task<double> Rotation(double degrees)
        {
            await using var twin = new DigitalTwin.DigitalTwin(new TwinOptions { Scene = "nanoparticles", Seed = 1, CameraRotationDeg = degrees }.Ideal());
            var particle = twin.Scene.Features.Where(f => f.Kind == "particle" && f.PhaseId == 1).OrderByDescending(f => f.SizeNm).First();
            await twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 2 });
            var r = await twin.AcquireAsync(Twins.Request(DetectorKind.FourDStem, particle.XNm, particle.YNm, 3 * particle.SizeNm, 24, 1000, 64));
            var com = Condenser.Processing.Analyses.CenterOfMassAnalysis.Run(new Condenser.Processing.Analyses.AnalysisRun(r.Datasets[0]), new Condenser.Processing.Analyses.CenterOfMassParameters());
            Assert.False(com.Summary["rotation_flip"]!.GetValue<bool>());
            return com.Summary["rotation_deg"]!.GetValue<double>();
        }

        double none = await Rotation(0), turned = await Rotation(25);
        Assert.InRange(Math.Abs(none), 0, 1);
        // The orientation modulo 180°: the analysis settles the remaining half turn by the sign of the divergence,
        // which a crystal's own diffraction contrast blurs (this scan: 152.5°, i.e. −27.5° + 180°).
        double d = (((turned - none) % 180) + 180) % 180;
        Assert.InRange(Math.Min(Math.Abs(d - 25), Math.Abs(d - 155)), 0, 3);
    }
}
