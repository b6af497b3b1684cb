using System.Runtime.InteropServices;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.Tests;

/// <summary>Calibration, descan correction, profiles, binning, cropping and the DPC rotation on analytical cases.</summary>
public sealed class GeometryTests
{
    [Fact]
    public void ElectronWavelengthsMatchTheTabulatedValues()
    {
        // Relativistic wavelengths (e.g. Williams & Carter, table 1.1): 100 kV 3.701 pm, 200 kV 2.508 pm, 300 kV 1.969 pm.
        Assert.Equal(0.003701, DetectorCalibration.ElectronWavelengthNm(100), 6);
        Assert.Equal(0.002508, DetectorCalibration.ElectronWavelengthNm(200), 6);
        Assert.Equal(0.001969, DetectorCalibration.ElectronWavelengthNm(300), 6);
    }

    [Fact]
    public void MradPerPixelComesFromAngleOrReciprocalAxes()
    {
        var md = new Metadata { BeamEnergyKeV = 200 };
        var bytes = new byte[4 * 4 * 2];
        var mrad = new EmDataset("a", new DatasetShape([], [4, 4]), [new Axis("ky", 4, 0.5, 0, "mrad"), new Axis("kx", 4, 0.5, 0, "mrad")], DType.UInt16, new Data.Storage.MemoryStorage(bytes), md);
        Assert.Equal(0.5, DetectorCalibration.MradPerPixel(mrad));
        var recip = new EmDataset("b", new DatasetShape([], [4, 4]), [new Axis("ky", 4, 0.1, 0, "1/nm"), new Axis("kx", 4, 0.1, 0, "1/nm")], DType.UInt16, new Data.Storage.MemoryStorage(bytes), md);
        Assert.Equal(0.1 * DetectorCalibration.ElectronWavelengthNm(200) * 1000, DetectorCalibration.MradPerPixel(recip)!.Value, 12);
        var plain = new EmDataset("c", new DatasetShape([], [4, 4]), [Axis.Plain("y", 4, false), Axis.Plain("x", 4, false)], DType.UInt16, new Data.Storage.MemoryStorage(bytes), md);
        Assert.Null(DetectorCalibration.MradPerPixel(plain));
    }

    /// <summary>A scan whose bright-field disk (radius 4, value 100) moves with a known linear descan.</summary>
    private static (EmDataset Data, Descan Truth) DescannedScan(int ny, int nx, int h, int w)
    {
        var truth = new Descan(-1, 1, 0, 2, 0, -1);
        var bytes = new byte[ny * nx * h * w * 2];
        var values = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan());
        for (int p = 0; p < ny * nx; p++)
        {
            var (sy, sx) = truth.WholePixels(p, nx);
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    double r = Math.Sqrt(Math.Pow(y - (h / 2) - sy, 2) + Math.Pow(x - (w / 2) - sx, 2));
                    values[(p * h * w) + (y * w) + x] = (ushort)(r < 4 ? 100 : 0);
                }
            }
        }

        return (EmDataset.FromBytes("descan", [ny, nx], [h, w], DType.UInt16, bytes), truth);
    }

    [Fact]
    public void DescanIsFittedFromTheCentreOfMassAndRemovedFromTheDetectors()
    {
        const int ny = 5, nx = 6, h = 32, w = 32;
        var (ds, truth) = DescannedScan(ny, nx, h, w);
        using var _ = ds;
        var com = new CenterOfMass(h / 2, w / 2);
        FrameExecutor.RunInline(ds, [com]);
        var fit = Descan.Fit(com.ShiftY, com.ShiftX, ny, nx);
        for (int p = 0; p < ny * nx; p++)
        {
            Assert.Equal(truth.WholePixels(p, nx), fit.WholePixels(p, nx));
        }

        Assert.Equal(truth.Yy, fit.Yy, 9);
        Assert.Equal(truth.Xx, fit.Xx, 9);

        // Without correction a bright-field detector the size of the disk loses intensity where the disk moved
        // off it; with the fitted correction every position sees the whole disk.
        var bf = PixelSpans.Annulus(h, w, h / 2, w / 2, 0, 4);
        var plain = new VirtualDetectors([bf]);
        var corrected = new VirtualDetectors([bf], p => fit.WholePixels(p, nx));
        FrameExecutor.RunParallel(ds, [plain, corrected], workers: 2, partitionBytes: 3 * h * w * 2);
        Assert.All(corrected.Images[0], v => Assert.Equal(100.0 * PixelSpans.Count(bf), v));
        Assert.Contains(plain.Images[0], v => v < 100.0 * PixelSpans.Count(bf));
    }

    [Fact]
    public void RadialAndAzimuthalProfilesAverageTheRightPixels()
    {
        const int h = 41, w = 45;
        double cy = 20, cx = 22;
        var pattern = new double[h * w];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                // Intensity = radius: the mean of bin k lies inside [k, k+1).
                pattern[(y * w) + x] = Math.Sqrt(Math.Pow(y - cy, 2) + Math.Pow(x - cx, 2));
            }
        }

        var radial = RadialProfile.Radial(pattern, w, cy, cx);
        for (int k = 0; k < radial.Length; k++)
        {
            Assert.InRange(radial[k], k, k + 1);
        }

        // Angle-dependent intensity: the sector means follow cos of the sector's angle.
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                pattern[(y * w) + x] = Math.Cos(Math.Atan2(y - cy, x - cx));
            }
        }

        var az = RadialProfile.Azimuthal(pattern, w, cy, cx, 5, 20, 8);
        for (int k = 0; k < 8; k++)
        {
            double a = k * Math.PI / 4, expected = (Math.Sin(a + (Math.PI / 4)) - Math.Sin(a)) / (Math.PI / 4);
            Assert.True(Math.Abs(expected - az[k]) < 0.05, $"sector {k}: {az[k]} vs {expected}");
        }
    }

    [Fact]
    public void BinningSumsBlocksAndCroppingCutsExactly()
    {
        var rng = new Random(3);
        var bytes = new byte[2 * 3 * 9 * 10 * 2];
        rng.NextBytes(bytes);
        using var ds = EmDataset.FromBytes("r", [2, 3], [9, 10], DType.UInt16, bytes);
        var values = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan()).ToArray();
        var binned = FrameGeometry.BinDetector(ds, 2, 3);
        Assert.Equal([4, 3], binned.Shape.Signal.ToArray());
        Assert.Equal(DType.UInt32, binned.DType);
        var b = MemoryMarshal.Cast<byte, uint>(binned.ReadAll().AsSpan()).ToArray();
        for (int f = 0; f < 6; f++)
        {
            for (int y = 0; y < 4; y++)
            {
                for (int x = 0; x < 3; x++)
                {
                    uint s = 0;
                    for (int dy = 0; dy < 2; dy++)
                    {
                        for (int dx = 0; dx < 3; dx++)
                        {
                            s += values[(f * 90) + (((2 * y) + dy) * 10) + (3 * x) + dx];
                        }
                    }

                    Assert.Equal(s, b[(f * 12) + (y * 3) + x]);
                }
            }
        }

        var crop = FrameGeometry.CropDetector(ds, 2, 3, 4, 5);
        var c = MemoryMarshal.Cast<byte, ushort>(crop.ReadAll().AsSpan()).ToArray();
        Assert.Equal(values[(5 * 90) + (5 * 10) + 7], c[(5 * 20) + (3 * 5) + 4]);
        var scan = FrameGeometry.CropScan(ds, 1, 1, 1, 2);
        var s2 = MemoryMarshal.Cast<byte, ushort>(scan.ReadAll().AsSpan()).ToArray();
        Assert.Equal(values.AsSpan(4 * 90, 180).ToArray(), s2);
        Assert.Throws<ArgumentException>(() => FrameGeometry.CropDetector(ds, 8, 0, 4, 4));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(37.5, false)]
    [InlineData(200, true)]
    public void RotationCalibrationFindsTheAngleThatMakesTheFieldCurlFree(double angle, bool flip)
    {
        // A gradient field of a bumpy potential (curl-free in the scan frame), expressed in a rotated, maybe flipped, detector frame.
        const int ny = 24, nx = 28;
        var fy = new double[ny * nx];
        var fx = new double[ny * nx];
        for (int y = 0; y < ny; y++)
        {
            for (int x = 0; x < nx; x++)
            {
                // Shifts point towards the bumps: F = +∇φ with φ peaked at the bumps is what an atom does to the beam.
                double py = y - 10.3, px = x - 12.7, qy = y - 17.1, qx = x - 6.2;
                double g1 = Math.Exp(-((py * py) + (px * px)) / 20), g2 = Math.Exp(-((qy * qy) + (qx * qx)) / 12);
                fy[(y * nx) + x] = (-py / 10 * g1) + (-qy / 6 * g2);
                fx[(y * nx) + x] = (-px / 10 * g1) + (-qx / 6 * g2);
            }
        }

        // Into the detector frame: the inverse of Rotate(angle, flip).
        var (dy, dx) = Dpc.Rotate(fy, fx, -angle, false);
        if (flip)
        {
            dx = dx.Select(v => -v).ToArray();
        }

        var (found, foundFlip) = Dpc.FindRotation(dy, dx, ny, nx);
        Assert.Equal(flip, foundFlip);
        double diff = Math.Abs(((found - angle) % 360 + 540) % 360 - 180);
        Assert.True(diff <= 0.5, $"found {found}°, expected {angle}°");
    }

    /// <summary>∇V of Gaussian columns (σ in pixels) at the given centres: shifts that point towards the atoms.</summary>
    private static (double[] Y, double[] X) TowardsPeaks(int ny, int nx, IEnumerable<(double Y, double X, double Sigma)> peaks)
    {
        var fy = new double[ny * nx];
        var fx = new double[ny * nx];
        foreach (var (cy, cx, sigma) in peaks)
        {
            for (int y = 0; y < ny; y++)
            {
                for (int x = 0; x < nx; x++)
                {
                    double dy = y - cy, dx = x - cx, g = Math.Exp(-((dy * dy) + (dx * dx)) / (2 * sigma * sigma));
                    fy[(y * nx) + x] += -dy / (sigma * sigma) * g;
                    fx[(y * nx) + x] += -dx / (sigma * sigma) * g;
                }
            }
        }

        return (fy, fx);
    }

    public static TheoryData<string> Potentials() => new("lattice", "lattice with columns just outside the border", "particle");

    [Theory]
    [MemberData(nameof(Potentials))]
    public void TheRotationIsNotReversedAnywhereOnTheCircle(string potential)
    {
        // Atomic lattices (columns 6 px apart, at an angle to the scan) and a smooth particle: in all of them the shifts
        // point towards the potential's maxima, and the found rotation must say so. Where the border columns lie just
        // outside the scan, the field leaves through the border and its mean divergence is positive: that rule reversed
        // the rotation in every case.
        var (ny, nx, oy, ox, tilt) = potential == "lattice" ? (48, 52, 3.3, 2.1, 0.3) : (45, 51, -1.2, -1.0, 0.05);
        var peaks = potential.StartsWith("lattice", StringComparison.Ordinal)
            ? (from i in Enumerable.Range(-12, 25) from j in Enumerable.Range(-12, 25)
               let y = oy + (i * 6 * Math.Cos(tilt)) - (j * 6 * Math.Sin(tilt))
               let x = ox + (i * 6 * Math.Sin(tilt)) + (j * 6 * Math.Cos(tilt))
               where y > -4 && y < ny + 4 && x > -4 && x < nx + 4
               select (y, x, 1.2)).ToList()
            : [(20.5, 30.2, 7.0), (35.0, 12.0, 4.0)];
        var (fy, fx) = TowardsPeaks(ny, nx, peaks);
        var wrong = new List<string>();
        foreach (bool flip in new[] { false, true })
        {
            for (double angle = 0; angle < 360; angle += 22.5)
            {
                var (dy, dx) = Dpc.Rotate(fy, fx, -angle, false);
                if (flip)
                {
                    dx = dx.Select(v => -v).ToArray();
                }

                var (found, foundFlip) = Dpc.FindRotation(dy, dx, ny, nx);
                double diff = Math.Abs((((found - angle) % 360) + 540) % 360 - 180);
                if (foundFlip != flip || diff > 0.5)
                {
                    wrong.Add($"{angle}°{(flip ? " flipped" : string.Empty)} → {found}°{(foundFlip ? " flipped" : string.Empty)}");
                }
            }
        }

        Assert.True(wrong.Count == 0, $"{potential}: {string.Join(", ", wrong)}");
    }
}
