using BitMiracle.LibTiff.Classic;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;

namespace Condenser.Formats.Tests;

/// <summary>
/// A TIFF stack as DigitalMicrograph exports it: one page per frame and the calibration in Gatan's private tags
/// (65003–65011: units, origin and scale of x, y and the stack axis), made here with LibTiff.
/// </summary>
public sealed class GatanTiffStackTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-gatan-tiff-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly TiffFieldInfo[] Fields =
    [
        new((TiffTag)65003, -1, -1, TiffType.ASCII, FieldBit.Custom, true, false, "XUnits"),
        new((TiffTag)65004, -1, -1, TiffType.ASCII, FieldBit.Custom, true, false, "YUnits"),
        new((TiffTag)65005, -1, -1, TiffType.ASCII, FieldBit.Custom, true, false, "ZUnits"),
        new((TiffTag)65006, 1, 1, TiffType.DOUBLE, FieldBit.Custom, true, false, "XOrigin"),
        new((TiffTag)65007, 1, 1, TiffType.DOUBLE, FieldBit.Custom, true, false, "YOrigin"),
        new((TiffTag)65008, 1, 1, TiffType.DOUBLE, FieldBit.Custom, true, false, "ZOrigin"),
        new((TiffTag)65009, 1, 1, TiffType.DOUBLE, FieldBit.Custom, true, false, "XScale"),
        new((TiffTag)65010, 1, 1, TiffType.DOUBLE, FieldBit.Custom, true, false, "YScale"),
        new((TiffTag)65011, 1, 1, TiffType.DOUBLE, FieldBit.Custom, true, false, "ZScale"),
    ];

    [Fact]
    public void TheStackAxisTakesItsCalibrationFromGatansTags()
    {
        var path = Path.Combine(_dir, "series.tif");
        LibTiff.TiffExtendProc? parent = null;
        parent = LibTiff.SetTagExtender(t =>
        {
            t.MergeFieldInfo(Fields, Fields.Length);
            parent?.Invoke(t);
        });
        try
        {
            using var tif = LibTiff.Open(path, "w")!;
            var row = new byte[8 * 2];
            for (short page = 0; page < 3; page++)
            {
                tif.SetField(TiffTag.IMAGEWIDTH, 8);
                tif.SetField(TiffTag.IMAGELENGTH, 6);
                tif.SetField(TiffTag.BITSPERSAMPLE, 16);
                tif.SetField(TiffTag.SAMPLESPERPIXEL, 1);
                tif.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
                tif.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
                tif.SetField(TiffTag.ROWSPERSTRIP, 6);
                tif.SetField(TiffTag.SUBFILETYPE, FileType.PAGE);
                tif.SetField(TiffTag.PAGENUMBER, page, (short)3);
                if (page == 0)
                {
                    tif.SetField((TiffTag)65003, "nm");
                    tif.SetField((TiffTag)65004, "nm");
                    tif.SetField((TiffTag)65005, "s");
                    tif.SetField((TiffTag)65006, 1.5);
                    tif.SetField((TiffTag)65007, -2.0);
                    tif.SetField((TiffTag)65008, 10.0);
                    tif.SetField((TiffTag)65009, 0.25);
                    tif.SetField((TiffTag)65010, 0.25);
                    tif.SetField((TiffTag)65011, 2.0);
                }

                for (int r = 0; r < 6; r++)
                {
                    row.AsSpan().Fill((byte)(page + r));
                    tif.WriteScanline(row, r);
                }

                tif.WriteDirectory();
            }
        }
        finally
        {
            LibTiff.SetTagExtender(parent);
        }

        using var f = FormatRegistry.Open(path);
        var d = f.Datasets[0];
        Assert.Equal([3, 6, 8], d.Shape.Dimensions);
        var z = d.Axes[0];
        Assert.Equal((3, 2.0, 10.0, "s", true), (z.Size, z.Scale, z.Offset, z.Units, z.Navigate));
        Assert.Equal((0.25, 1.5, "nm"), (d.Axes[2].Scale, d.Axes[2].Offset, d.Axes[2].Units));
    }
}
