using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>Converting a real file and reading it back gives the same array, axes and metadata.</summary>
public sealed class RoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-roundtrip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var f in TestData.ReferencedFiles())
        {
            if (Reference.Load(f).Error is not null)
            {
                continue;
            }

            foreach (var ext in new[] { ".emd", ".nxs", ".tif", ".raw" })
            {
                data.Add(f, ext);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConvertsAndReadsBack(string relative, string extension)
    {
        using var source = FormatRegistry.Open(TestData.File(relative));
        var writer = FormatRegistry.WriterFor("x" + extension);
        IReadOnlyList<EmDataset> sets = extension is ".emd" or ".nxs" ? source.Datasets : [source.Datasets[0]];
        var output = Path.Combine(_dir, Path.GetFileName(relative) + extension);
        if (extension == ".tif" && !TiffCanHold(sets[0]))
        {
            Assert.Throws<NotSupportedException>(() => writer.Write(output, sets));
            Assert.False(File.Exists(output));
            return;
        }

        writer.Write(output, sets);
        using var back = FormatRegistry.Open(output);
        Assert.Equal(sets.Count, back.Datasets.Count);
        for (int i = 0; i < sets.Count; i++)
        {
            var a = sets[i];
            var b = back.Datasets[i];
            Assert.Equal(a.DType, b.DType);
            Assert.Equal(a.Shape, b.Shape);
            Assert.Equal(DatasetSummary.Compute(a).Sha256, DatasetSummary.Compute(b).Sha256);
            for (int k = 0; k < a.Axes.Count; k++)
            {
                Assert.Equal(a.Axes[k].Name, b.Axes[k].Name);
                Assert.Equal(a.Axes[k].Units, b.Axes[k].Units);
                Assert.Equal(a.Axes[k].Navigate, b.Axes[k].Navigate);
                Assert.Equal(a.Axes[k].Scale, b.Axes[k].Scale, 1e-9 * Math.Max(1, Math.Abs(a.Axes[k].Scale)));
                Assert.Equal(a.Axes[k].Offset, b.Axes[k].Offset, 1e-9 * Math.Max(1, Math.Abs(a.Axes[k].Offset)) + (1e-9 * Math.Abs(a.Axes[k].Scale) * a.Axes[k].Size));
            }

            Assert.Equal(MetadataJson.Normalised(a.Metadata).ToJsonString(), MetadataJson.Normalised(b.Metadata).ToJsonString());
        }
    }

    private static bool TiffCanHold(EmDataset d)
    {
        bool rgb = d.DType is DType.Rgb8 or DType.Rgba8;
        int sigRank = d.Shape.Signal.Count - (rgb ? 1 : 0);
        return !d.DType.IsComplex() && sigRank is 1 or 2;
    }
}
