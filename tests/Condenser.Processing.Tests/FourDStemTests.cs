using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.Tests;

/// <summary>4D-STEM reductions on synthetic scans with known answers.</summary>
public sealed class FourDStemTests
{
    private static EmDataset Random4D(int sy, int sx, int dy, int dx, int seed)
    {
        var rng = new Random(seed);
        var bytes = new byte[sy * sx * dy * dx * 2];
        rng.NextBytes(bytes);
        return EmDataset.FromBytes("random", [sy, sx], [dy, dx], DType.UInt16, bytes);
    }

    [Fact]
    public void VirtualDetectorsEqualANaiveLoopInlineAndInParallel()
    {
        using var ds = Random4D(6, 7, 16, 20, 1);
        var annulus = PixelSpans.Annulus(16, 20, 7.5, 9.5, 2, 6);
        var disk = PixelSpans.Annulus(16, 20, 7.5, 9.5, 0, 2);
        var inline = new VirtualDetectors([annulus, disk]);
        FrameExecutor.RunInline(ds, [inline], partitionBytes: 3 * 640);
        var parallel = new VirtualDetectors([annulus, disk]);
        FrameExecutor.RunParallel(ds, [parallel], workers: 3, partitionBytes: 2 * 640);

        var all = ds.ReadAll();
        for (int f = 0; f < ds.FrameCount; f++)
        {
            double expected = 0;
            for (int y = 0; y < 16; y++)
            {
                for (int x = 0; x < 20; x++)
                {
                    double r = Math.Sqrt(((y - 7.5) * (y - 7.5)) + ((x - 9.5) * (x - 9.5)));
                    if (r >= 2 && r < 6)
                    {
                        expected += BitConverter.ToUInt16(all, ((f * 320) + (y * 20) + x) * 2);
                    }
                }
            }

            Assert.Equal(expected, inline.Images[0][f]);
            Assert.Equal(expected, parallel.Images[0][f]);
            Assert.Equal(inline.Images[1][f], parallel.Images[1][f]);
        }
    }

    [Fact]
    public void CentreOfMassRecoversAKnownDiskShift()
    {
        // A uniform disk of radius 4 whose centre moves by (0.1·iy, -0.2·ix) pixels: symmetric, so its centre of mass
        // is its centre to within the pixel sampling of its edge.
        const int sy = 5, sx = 4, d = 32;
        var bytes = new byte[sy * sx * d * d * 2];
        for (int iy = 0; iy < sy; iy++)
        {
            for (int ix = 0; ix < sx; ix++)
            {
                double cy = 15 + iy, cx = 16 - ix; // whole-pixel shifts: exact
                int frame = (iy * sx) + ix;
                for (int y = 0; y < d; y++)
                {
                    for (int x = 0; x < d; x++)
                    {
                        if (((y - cy) * (y - cy)) + ((x - cx) * (x - cx)) < 16)
                        {
                            BitConverter.TryWriteBytes(bytes.AsSpan(((frame * d * d) + (y * d) + x) * 2), (ushort)1000);
                        }
                    }
                }
            }
        }

        using var ds = EmDataset.FromBytes("disk", [sy, sx], [d, d], DType.UInt16, bytes);
        var com = new CenterOfMass(15, 16);
        FrameExecutor.RunParallel(ds, [com], workers: 2, partitionBytes: d * d * 2 * 3);
        for (int iy = 0; iy < sy; iy++)
        {
            for (int ix = 0; ix < sx; ix++)
            {
                int f = (iy * sx) + ix;
                Assert.Equal(iy, com.ShiftY[f], 9);
                Assert.Equal(-ix, com.ShiftX[f], 9);
                Assert.Equal(1000.0 * 45, com.Total[f]); // 45 lattice points satisfy y² + x² < 16
            }
        }
    }

    [Fact]
    public void AnEmptyPatternHasNoCentreOfMass()
    {
        using var ds = EmDataset.FromBytes("dark", [2], [4, 4], DType.UInt16, new byte[2 * 16 * 2]);
        var com = new CenterOfMass(1.5, 1.5);
        FrameExecutor.RunInline(ds, [com]);
        Assert.True(double.IsNaN(com.ShiftY[0]));
        Assert.Equal(0, com.Total[1]);
    }

    [Fact]
    public void BrightFieldDiskIsFoundWithItsRadius()
    {
        const int h = 64, w = 80;
        var pattern = new double[h * w];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double r = Math.Sqrt(((y - 30.0) * (y - 30.0)) + ((x - 41.0) * (x - 41.0)));
                pattern[(y * w) + x] = (r < 10 ? 500 : 5) + ((x * 7) % 3);
            }
        }

        var disk = BrightFieldDisk.Detect(pattern, w);
        Assert.Equal(30, disk.CenterY, 1);
        Assert.Equal(41, disk.CenterX, 1);
        Assert.InRange(disk.Radius, 9.5, 10.5);
    }

    [Fact]
    public void TheBrightFieldDiskIsFoundAmongStrongBraggDisks()
    {
        // A 4 px disk at level 1 among diffracted disks of 0.6 (all above half the bright level), with Poisson noise.
        const int size = 96;
        const double cy = 47.3, cx = 48.6, radius = 4;
        var rng = new MathNet.Numerics.Random.Xoshiro256StarStar(3);
        var pattern = new double[size * size];
        for (int h = -3; h <= 3; h++)
        {
            for (int k = -3; k <= 3; k++)
            {
                double y0 = cy + (h * 1.7) + (k * 13.4), x0 = cx + (h * 13.2) - (k * 2.1), level = h == 0 && k == 0 ? 1000 : 600;
                for (int y = 0; y < size; y++)
                {
                    for (int x = 0; x < size; x++)
                    {
                        double r = Math.Sqrt(((y - y0) * (y - y0)) + ((x - x0) * (x - x0)));
                        pattern[(y * size) + x] += level / (1 + Math.Exp((r - radius) / 0.3));
                    }
                }
            }
        }

        for (int i = 0; i < pattern.Length; i++)
        {
            pattern[i] = MathNet.Numerics.Distributions.Poisson.Sample(rng, pattern[i] + 2);
        }

        var disk = BrightFieldDisk.Detect(pattern, size);
        Assert.True(Math.Abs(disk.Radius - radius) <= 0.5, $"radius {disk.Radius:F2} px for a {radius} px disk");
        Assert.True(Math.Abs(disk.CenterY - cy) <= 0.5 && Math.Abs(disk.CenterX - cx) <= 0.5, $"centre ({disk.CenterY:F2}, {disk.CenterX:F2})");
    }

    [Fact]
    public void MeanPatternAveragesTheScan()
    {
        using var ds = Random4D(3, 3, 4, 4, 5);
        var mean = new MeanPattern();
        FrameExecutor.RunParallel(ds, [mean], workers: 2, partitionBytes: 32);
        var all = ds.ReadAll();
        for (int i = 0; i < 16; i++)
        {
            double s = 0;
            for (int f = 0; f < 9; f++)
            {
                s += BitConverter.ToUInt16(all, ((f * 16) + i) * 2);
            }

            Assert.Equal(s / 9, mean.Pattern[i], 9);
        }
    }
}
