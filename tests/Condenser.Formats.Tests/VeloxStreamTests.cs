using System.Text;
using Condenser.Data;
using PureHDF;

namespace Condenser.Formats.Tests;

/// <summary>
/// Velox EDS spectrum streams: no fixture holds one, so a file is made to the layout (an image for the scan shape, a
/// uint16 event stream where 65535 moves to the next position, JSON settings) and the cube is checked count by count.
/// </summary>
public sealed class VeloxStreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-velox-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void StreamsBecomeASummedSpectrumImage()
    {
        const int rows = 2, cols = 3, bins = 8;
        var expected = new uint[rows * cols * bins];
        var stream = new List<ushort>();
        var rng = new Random(11);
        for (int frame = 0; frame < 2; frame++)
        {
            for (int p = 0; p < rows * cols; p++)
            {
                int events = rng.Next(6);
                for (int e = 0; e < events; e++)
                {
                    int ch = rng.Next(bins);
                    stream.Add((ushort)ch);
                    expected[(p * bins) + ch]++;
                }

                stream.Add(65535);
            }
        }

        var meta = new byte[60000];
        var json = Utf8("""{"BinaryResult":{"PixelSize":{"width":"1e-9","height":"1e-9"},"PixelUnitX":"m","Detector":"HAADF"},"Optics":{"AccelerationVoltage":"200000"},"Detectors":{"Detector-1":{"DetectorName":"SuperXG21","Dispersion":"10","OffsetEnergy":"-500"}}}""");
        json.CopyTo(meta, 0);
        var metaColumn = new byte[60000, 1];
        for (int i = 0; i < json.Length; i++)
        {
            metaColumn[i, 0] = meta[i];
        }

        var image = new ushort[rows, cols, 1];
        var streamData = new ushort[stream.Count, 1];
        for (int i = 0; i < stream.Count; i++)
        {
            streamData[i, 0] = stream[i];
        }

        var file = new H5File
        {
            ["Version"] = new H5Dataset(Utf8("""{"version":"11"}""")),
            ["Data"] = new H5Group
            {
                ["Image"] = new H5Group { ["a1"] = new H5Group { ["Data"] = new H5Dataset(image), ["Metadata"] = new H5Dataset(metaColumn) } },
                ["SpectrumStream"] = new H5Group
                {
                    ["s1"] = new H5Group
                    {
                        ["Data"] = new H5Dataset(streamData),
                        ["AcquisitionSettings"] = new H5Dataset(Utf8("""{"bincount":"8","StreamEncoding":"uint16"}""")),
                        ["Metadata"] = new H5Dataset(metaColumn),
                    },
                },
            },
        };
        var path = Path.Combine(_dir, "si.emd");
        file.Write(path);

        using var read = FormatRegistry.Open(path);
        var si = read.Datasets.Single(d => d.Metadata.SignalType == SignalTypes.SpectrumImage);
        Assert.Equal(new[] { rows, cols, bins }, si.Shape.Dimensions);
        Assert.Equal(DType.UInt32, si.DType);
        var bytes = si.ReadAll();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], BitConverter.ToUInt32(bytes, i * 4));
        }

        Assert.Equal("keV", si.Axes[2].Units);
        Assert.Equal(0.01, si.Axes[2].Scale, 12);
        Assert.Equal(-0.5, si.Axes[2].Offset, 12);
        Assert.Equal(2L, si.OriginalMetadata["frames"]);
        Assert.Equal(200, si.Metadata.BeamEnergyKeV);
    }
}
