using System.Buffers.Binary;
using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>
/// MRC maps and tomograms made to the MRC 2014 specification (CCP-EM): a subvolume whose sampling differs from its
/// size, axes permuted by mapc/mapr/maps, offsets from origin or nxstart, and a volume's section spacing.
/// </summary>
public sealed class MrcGeometryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-mrc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A float32 MRC 2014 file; header words as the specification numbers them (1-based).</summary>
    private string Write(string name, int nx, int ny, int nz, Action<byte[]> header)
    {
        var h = new byte[1024];
        void I(int word, int v) => BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan((word - 1) * 4), v);
        I(1, nx);
        I(2, ny);
        I(3, nz);
        I(4, 2);
        I(8, nx);
        I(9, ny);
        I(10, nz);
        I(17, 1);
        I(18, 2);
        I(19, 3);
        I(23, 1);
        "MAP "u8.CopyTo(h.AsSpan(208));
        h[212] = 0x44;
        h[213] = 0x44;
        header(h);
        var data = new byte[nx * ny * nz * 4];
        for (int i = 0; i < nx * ny * nz; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), i);
        }

        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, [.. h, .. data]);
        return path;
    }

    private static void Int(byte[] h, int word, int v) => BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan((word - 1) * 4), v);

    private static void Float(byte[] h, int word, float v) => BinaryPrimitives.WriteSingleLittleEndian(h.AsSpan((word - 1) * 4), v);

    [Fact]
    public void VoxelSizeIsTheCellOverTheSamplingNotOverTheArraySize()
    {
        // An 8×6×4 box cut from a 16×12×8 map of 32×24×16 Å: 0.2 nm voxels on every axis.
        var path = Write("sub.mrc", 8, 6, 4, h =>
        {
            Int(h, 8, 16);
            Int(h, 9, 12);
            Int(h, 10, 8);
            Float(h, 11, 32);
            Float(h, 12, 24);
            Float(h, 13, 16);
        });
        using var f = FormatRegistry.Open(path);
        var d = f.Datasets[0];
        Assert.Equal([4, 6, 8], d.Shape.Dimensions);
        Assert.Equal(["z", "y", "x"], d.Axes.Select(a => a.Name));
        Assert.All(d.Axes, a => Assert.Equal(0.2, a.Scale, 1e-6));
        Assert.All(d.Axes, a => Assert.Equal("nm", a.Units));
        Assert.True(d.Axes[0].Navigate);
    }

    [Fact]
    public void SectionsOfAVolumeAreCalibrated()
    {
        // A tomogram: 5 sections 12 Å apart under 2 Å pixels.
        var path = Write("tomo.rec", 4, 4, 5, h =>
        {
            Float(h, 11, 8);
            Float(h, 12, 8);
            Float(h, 13, 60);
        });
        using var f = FormatRegistry.Open(path);
        var z = f.Datasets[0].Axes[0];
        Assert.Equal(("z", 5, 1.2, "nm"), (z.Name, z.Size, Math.Round(z.Scale, 6), z.Units));
        Assert.Equal(0.2, f.Datasets[0].Axes[2].Scale, 1e-6);
    }

    [Fact]
    public void MapcMaprMapsNameAndCalibrateEachArrayAxis()
    {
        // Columns run along the cell's y, rows along z, sections along x (mapc 2, mapr 3, maps 1).
        var path = Write("perm.map", 4, 3, 2, h =>
        {
            Int(h, 8, 2);
            Int(h, 9, 4);
            Int(h, 10, 3);
            Float(h, 11, 20);
            Float(h, 12, 8);
            Float(h, 13, 30);
            Int(h, 17, 2);
            Int(h, 18, 3);
            Int(h, 19, 1);
        });
        using var f = FormatRegistry.Open(path);
        var axes = f.Datasets[0].Axes;
        Assert.Equal(["x", "z", "y"], axes.Select(a => a.Name));
        Assert.Equal([1.0, 1.0, 0.2], axes.Select(a => Math.Round(a.Scale, 6)));
    }

    [Fact]
    public void OffsetsComeFromTheOriginOrElseFromTheStartIndices()
    {
        var fromOrigin = Write("origin.mrc", 4, 4, 2, h =>
        {
            Float(h, 11, 40);
            Float(h, 12, 40);
            Float(h, 13, 20);
            Float(h, 50, 100);
            Float(h, 51, -50);
            Float(h, 52, 30);
            Int(h, 5, 7);
        });
        using (var f = FormatRegistry.Open(fromOrigin))
        {
            var a = f.Datasets[0].Axes;
            Assert.Equal([3.0, -5.0, 10.0], a.Select(x => Math.Round(x.Offset, 6)));
        }

        var fromStart = Write("start.mrc", 4, 4, 2, h =>
        {
            Float(h, 11, 40);
            Float(h, 12, 40);
            Float(h, 13, 20);
            Int(h, 5, 3);
            Int(h, 6, -2);
            Int(h, 7, 1);
        });
        using (var f = FormatRegistry.Open(fromStart))
        {
            var a = f.Datasets[0].Axes;
            Assert.Equal([1.0, -2.0, 3.0], a.Select(x => Math.Round(x.Offset, 6)));
        }
    }

    [Fact]
    public void ZeroSamplingAndZeroMapsFallBackToTheArray()
    {
        var path = Write("old.mrc", 4, 4, 1, h =>
        {
            Int(h, 8, 0);
            Int(h, 9, 0);
            Int(h, 10, 0);
            Int(h, 17, 0);
            Int(h, 18, 0);
            Int(h, 19, 0);
            Float(h, 11, 20);
            Float(h, 12, 20);
        });
        using var f = FormatRegistry.Open(path);
        var axes = f.Datasets[0].Axes;
        Assert.Equal(["y", "x"], axes.Select(a => a.Name));
        Assert.All(axes, a => Assert.Equal(0.5, a.Scale, 1e-6));
    }
}
