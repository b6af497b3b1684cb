using BitMiracle.LibTiff.Classic;
using Condenser.Data;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;

namespace Condenser.Formats.Tests;

/// <summary>16-bit RGB and RGBA TIFFs (as scanners, cameras and microscopes' colour exports write them), made with LibTiff.</summary>
public sealed class TiffRgb16Tests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-rgb16-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void SixteenBitColourIsReadAsItsSamplesWithAChannelAxis(int channels)
    {
        const int width = 5, height = 4;
        var path = Path.Combine(_dir, $"rgb16-{channels}.tif");
        using (var tif = LibTiff.Open(path, "w")!)
        {
            tif.SetField(TiffTag.IMAGEWIDTH, width);
            tif.SetField(TiffTag.IMAGELENGTH, height);
            tif.SetField(TiffTag.BITSPERSAMPLE, 16);
            tif.SetField(TiffTag.SAMPLESPERPIXEL, channels);
            tif.SetField(TiffTag.PHOTOMETRIC, Photometric.RGB);
            tif.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            if (channels == 4)
            {
                tif.SetField(TiffTag.EXTRASAMPLES, 1, new short[] { (short)ExtraSample.UNASSALPHA });
            }

            tif.SetField(TiffTag.ROWSPERSTRIP, height);
            var row = new byte[width * channels * 2];
            for (int r = 0; r < height; r++)
            {
                for (int i = 0; i < width * channels; i++)
                {
                    BitConverter.TryWriteBytes(row.AsSpan(i * 2), (ushort)((1000 * r) + (i * 257)));
                }

                tif.WriteScanline(row, r);
            }
        }

        using var f = FormatRegistry.Open(path);
        var d = f.Datasets[0];
        Assert.Equal(DType.UInt16, d.DType);
        Assert.Equal([height, width, channels], d.Shape.Dimensions);
        Assert.Equal("channel", d.Axes[^1].Name);
        var bytes = d.ReadAll();
        for (int r = 0; r < height; r++)
        {
            for (int i = 0; i < width * channels; i++)
            {
                Assert.Equal((ushort)((1000 * r) + (i * 257)), BitConverter.ToUInt16(bytes, ((r * width * channels) + i) * 2));
            }
        }
    }
}
