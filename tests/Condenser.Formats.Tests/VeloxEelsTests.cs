using System.Text;
using Condenser.Data;
using PureHDF;

namespace Condenser.Formats.Tests;

/// <summary>
/// Velox STEM-EELS spectrum images, on files made to the layout of Velox 3.24 files from an Iliad spectrometer
/// (Zenodo 18267156): <c>Data/EelsSpectrumImage/&lt;id&gt;/Data</c> stored columns × channels × rows, one scan line per
/// chunk, <c>AcquisitionMetadata</c> one JSON document per line, <c>Info</c>, and the scan's calibration in
/// <c>Data/SpectrumImage</c>. Expected values follow RosettaSciIO's reading (rows × columns | channels, energy from
/// the first line's offset and dispersion in eV, pixel size from the SpectrumImage's BinaryResult).
/// </summary>
public sealed class VeloxEelsTests : IDisposable
{
    private const int Rows = 3, Cols = 4, Bins = 16;
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-velox-eels-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheCubeIsPresentedRowsColumnsChannelsWithItsCalibrations()
    {
        var path = Write("eels.emd", dual: true);
        using var read = FormatRegistry.Open(path);
        var eels = read.Datasets.Where(d => d.Metadata.Technique == "EELS").ToList();
        Assert.Equal(2, eels.Count);
        foreach (var (si, range) in eels.Select((d, i) => (d, i)))
        {
            Assert.Equal(SignalTypes.SpectrumImage, si.Metadata.SignalType);
            Assert.Equal(new[] { Rows, Cols, Bins }, si.Shape.Dimensions);
            Assert.Equal(DType.UInt16, si.DType);
            var bytes = si.ReadAll();
            for (int r = 0; r < Rows; r++)
            {
                for (int c = 0; c < Cols; c++)
                {
                    for (int e = 0; e < Bins; e++)
                    {
                        Assert.Equal(Value(range, c, e, r), BitConverter.ToUInt16(bytes, (((r * Cols) + c) * Bins + e) * 2));
                    }
                }
            }

            Assert.Equal(["y", "x", "Energy loss"], si.Axes.Select(a => a.Name));
            Assert.Equal("eV", si.Axes[2].Units);
            Assert.Equal(range == 0 ? -100 : 300, si.Axes[2].Offset, 12);
            Assert.Equal(range == 0 ? 0.25 : 1.0, si.Axes[2].Scale, 12);
            Assert.Equal("nm", si.Axes[0].Units);
            Assert.Equal(2.5, si.Axes[1].Scale, 9);
            Assert.Equal(2.5, si.Axes[0].Scale, 9);
            Assert.Equal(range == 0 ? 2e-6 : 5e-3, si.Metadata.ExposureS!.Value, 12);
            Assert.Equal(300, si.Metadata.BeamEnergyKeV);
            Assert.Equal("EELS", si.Name);
        }
    }

    [Fact]
    public void AScanLineWithAnotherCalibrationIsRecorded()
    {
        var path = Write("drift.emd", dual: false, driftOnLastLine: true);
        using var read = FormatRegistry.Open(path);
        var si = read.Datasets.Single(d => d.Metadata.Technique == "EELS");
        Assert.Equal(-100, si.Axes[2].Offset, 12);
        Assert.Equal(true, si.OriginalMetadata["eels_energy_calibration_varies_by_line"]);
    }

    [Fact]
    public void InfoThatDisagreesWithTheArrayIsAClearError()
    {
        var path = Write("info.emd", dual: false, infoWidth: Rows);
        var e = Assert.Throws<EmFileException>(() => FormatRegistry.Open(path).Dispose());
        Assert.Contains("Info gives width 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("info.emd", e.Message, StringComparison.Ordinal);
    }

    private static ushort Value(int range, int c, int e, int r) => (ushort)((range * 5000) + (r * 1000) + (c * 100) + e);

    private string Write(string name, bool dual, bool driftOnLastLine = false, int infoWidth = Cols)
    {
        var eels = new H5Group();
        for (int range = 0; range < (dual ? 2 : 1); range++)
        {
            var cube = new ushort[Cols, Bins, Rows];
            for (int c = 0; c < Cols; c++)
            {
                for (int e = 0; e < Bins; e++)
                {
                    for (int r = 0; r < Rows; r++)
                    {
                        cube[c, e, r] = Value(range, c, e, r);
                    }
                }
            }

            double offset = range == 0 ? -100 : 300, dispersion = range == 0 ? 0.25 : 1.0, exposure = range == 0 ? 2e-6 : 5e-3;
            var lines = Enumerable.Range(0, Rows).Select(r =>
                $$$"""{"Type":"EelsAcquisitionMetadata","Data":{"offset":"{{{Invariant(driftOnLastLine && r == Rows - 1 ? offset + 0.5 : offset)}}}","dispersion":"{{{Invariant(dispersion)}}}","exposureTime":"{{{Invariant(exposure)}}}","intensityScale":"1","intensityOffset":"0","scanPixelIndex":"{{{r * Cols}}}"}}""").ToArray();
            eels[$"e{range}"] = new H5Group
            {
                ["Data"] = new H5Dataset(cube, chunks: [Cols, Bins, 1]),
                ["Metadata"] = new H5Dataset(Column("""{"BinaryResult":{"Detector":"EELS Strip Detector"},"Optics":{"AccelerationVoltage":"300000"}}""", 60000)),
                ["AcquisitionMetadata"] = new H5Dataset(Columns(lines, 1536)),
                ["Info"] = new H5Dataset(Encoding.UTF8.GetBytes($$"""{"encoding":"uint16","bincount":"{{Bins}}","width":"{{infoWidth}}","height":"{{Rows}}"}""")),
            };
        }

        var file = new H5File
        {
            ["Version"] = new H5Dataset(Encoding.UTF8.GetBytes("""{"version":"11","format":"Velox"}""")),
            ["Data"] = new H5Group
            {
                ["Image"] = new H5Group
                {
                    ["i0"] = new H5Group
                    {
                        ["Data"] = new H5Dataset(new ushort[Rows, Cols, 1]),
                        ["Metadata"] = new H5Dataset(Column("""{"BinaryResult":{"Detector":"DF-S","PixelSize":{"width":"2.5e-9","height":"2.5e-9"},"PixelUnitX":"m"}}""", 60000)),
                    },
                },
                ["SpectrumImage"] = new H5Group
                {
                    ["s0"] = new H5Group
                    {
                        ["Metadata"] = new H5Dataset(Column("""{"BinaryResult":{"PixelSize":{"width":"2.5e-9","height":"2.5e-9"},"Offset":{"x":"0","y":"0"},"PixelUnitX":"m","PixelUnitY":"m"}}""", 60000)),
                    },
                },
                ["EelsSpectrumImage"] = eels,
            },
        };
        var path = Path.Combine(_dir, name);
        file.Write(path);
        return path;
    }

    private static string Invariant(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static byte[,] Column(string json, int length) => Columns([json], length);

    /// <summary>NUL-padded UTF-8 documents, one per column.</summary>
    private static byte[,] Columns(string[] docs, int length)
    {
        var m = new byte[length, docs.Length];
        for (int j = 0; j < docs.Length; j++)
        {
            var b = Encoding.UTF8.GetBytes(docs[j]);
            for (int i = 0; i < b.Length; i++)
            {
                m[i, j] = b[i];
            }
        }

        return m;
    }
}
