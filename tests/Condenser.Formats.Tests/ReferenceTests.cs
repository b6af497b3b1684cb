using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>Every real fixture read by Condenser against the reference made by RosettaSciIO.</summary>
public sealed class ReferenceTests
{
    public static TheoryData<string> Files() => new(TestData.ReferencedFiles());

    [Theory]
    [MemberData(nameof(Files))]
    public void ReadsLikeTheReference(string relative)
    {
        var reference = Reference.Load(relative);
        var path = TestData.File(relative);
        if (reference.Error is not null)
        {
            // The reference reader failed: Condenser must either read the file or fail with its one clear exception.
            try
            {
                using var f = FormatRegistry.Open(path);
                Assert.NotEmpty(f.Datasets);
                foreach (var d in f.Datasets)
                {
                    DatasetSummary.Compute(d);
                }
            }
            catch (EmFileException e)
            {
                Assert.Contains(Path.GetFileName(path), e.Message);
            }

            return;
        }

        using var file = FormatRegistry.Open(path);
        if (KnownDifferences.Subset.ContainsKey(relative))
        {
            foreach (var d in file.Datasets)
            {
                var sha = DatasetSummary.Compute(d).Sha256;
                Assert.Contains(reference.Datasets, r => r.Sha256 == sha && r.Shape.SequenceEqual(d.Shape.Dimensions));
            }

            return;
        }

        Assert.Equal(reference.Datasets.Count, file.Datasets.Count);
        for (int i = 0; i < reference.Datasets.Count; i++)
        {
            Compare(relative, reference.Datasets[i], file.Datasets[i]);
        }
    }

    private static void Compare(string relative, ReferenceDataset expected, EmDataset actual)
    {
        var summary = DatasetSummary.Compute(actual);
        if (KnownDifferences.WidenedToFloat64.Contains(relative) && expected.DType == "float64" && actual.DType.Name() != "float64")
        {
            Assert.False(actual.DType.IsComplex());
            summary = summary with { Sha256 = Float64Hash(actual) };
        }
        else
        {
            Assert.Equal(expected.DType, actual.DType.Name());
        }

        var shape = actual.Shape.Dimensions;

        if (KnownDifferences.Shape.ContainsKey(relative))
        {
            CheckLeadingColumns(expected, actual);
            return;
        }

        int[]? perm = FindPermutation(expected, shape, summary.Sha256);
        Assert.True(perm is not null, $"{relative}: shape [{string.Join(",", shape)}] sha256 {summary.Sha256} matches no axis order of the reference [{string.Join(",", expected.Shape)}] {expected.Sha256}");

        CheckStats(expected.Stats, summary);
        CheckAcquired(relative, expected.Metadata, actual.Metadata);

        if (KnownDifferences.Scale.ContainsKey(relative))
        {
            // Swapped in the reference: our x is its y and our y its x.
            var y = actual.Axes[^2];
            var x = actual.Axes[^1];
            CheckScale(relative, expected.Axes[^1] with { Size = y.Size }, y);
            CheckScale(relative, expected.Axes[^2] with { Size = x.Size }, x);
            return;
        }

        // Calibrations, axis by axis, after unit conversion. RGB channel axes have no reference axis.
        for (int k = 0; k < expected.Axes.Length && k < perm!.Length; k++)
        {
            var ours = actual.Axes[k];
            var theirs = expected.Axes[perm[k]];
            Assert.Equal(theirs.Size, ours.Size);
            CheckScale(relative, theirs, ours);
        }
    }

    /// <summary>The axis order p (ours[k] = reference[p[k]]) whose hash in the reference equals ours.</summary>
    private static int[]? FindPermutation(ReferenceDataset expected, int[] shape, string sha)
    {
        if (shape.SequenceEqual(expected.Shape) && sha == expected.Sha256)
        {
            return Enumerable.Range(0, shape.Length).ToArray();
        }

        foreach (var (key, hash) in expected.Transposed)
        {
            var p = key.Split(',').Select(int.Parse).ToArray();
            if (p.Length == shape.Length && p.Select(i => expected.Shape[i]).SequenceEqual(shape) && hash == sha)
            {
                return p;
            }
        }

        return null;
    }

    private static void CheckStats(JsonObject stats, DatasetSummary s)
    {
        if (stats["sum_real"] is { } re)
        {
            Near(re.GetValue<double>(), s.Sum);
            Near(stats["sum_imag"]!.GetValue<double>(), s.SumImaginary ?? double.NaN);
            return;
        }

        if (stats["min"] is null)
        {
            return;
        }

        Near(stats["min"]!.GetValue<double>(), s.Min ?? double.NaN);
        Near(stats["max"]!.GetValue<double>(), s.Max ?? double.NaN);
        Near(stats["sum"]!.GetValue<double>(), s.Sum);
    }

    /// <summary>Where the reference dates the acquisition, ours agrees to the second.</summary>
    private static void CheckAcquired(string file, JsonObject reference, Metadata ours)
    {
        if (reference["date"]?.GetValue<string>() is not { Length: > 0 } date || reference["time"]?.GetValue<string>() is not { Length: >= 8 } time)
        {
            return;
        }

        Assert.True(ours.Acquired?.StartsWith($"{date}T{time[..8]}", StringComparison.Ordinal) == true, $"{file}: acquired {ours.Acquired}, reference {date} {time}");
    }

    private static void Near(double expected, double actual)
        => Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)) + 1e-6, $"expected {expected}, got {actual}");

    private static void CheckScale(string file, ReferenceAxis theirs, Axis ours)
    {
        var t = Units.Parse(theirs.Units);
        var o = Units.Parse(ours.Units);
        if (t is null || o is null)
        {
            // Units that are not physical quantities (e.g. "ms" frames in TIA, odd strings) compare as given.
            Assert.Equal(theirs.Units, ours.Units);
            Assert.Equal(theirs.Scale, ours.Scale, 1e-6 * Math.Abs(theirs.Scale));
            return;
        }

        if (t.Value.Kind == "none")
        {
            // The reference gives no units (or none for this axis): the numbers must still agree.
            Assert.Equal(theirs.Scale, ours.Scale, 1e-6 * Math.Max(1, Math.Abs(theirs.Scale)));
            return;
        }

        Assert.True(t.Value.Kind == o.Value.Kind, $"{file}: axis '{ours.Name}' units '{ours.Units}' vs reference '{theirs.Units}'");
        double a = theirs.Scale * t.Value.Factor, b = ours.Scale * o.Value.Factor;
        Assert.True(Math.Abs(a - b) <= 1e-6 * Math.Abs(a), $"{file}: axis '{ours.Name}' scale {ours.Scale} {ours.Units} vs reference {theirs.Scale} {theirs.Units}");
    }

    private static string Float64Hash(EmDataset d)
    {
        var bytes = d.ReadAll();
        long n = d.Shape.ElementCount;
        var wide = new byte[n * 8];
        for (long i = 0; i < n; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(wide.AsSpan((int)(i * 8)), d.DType.ReadAsDouble(bytes, i));
        }

        return Convert.ToHexStringLower(SHA256.HashData(wide));
    }

    private static void CheckLeadingColumns(ReferenceDataset expected, EmDataset actual)
    {
        var bytes = actual.ReadAll();
        int rows = actual.Shape.Dimensions[0], cols = actual.Shape.Dimensions[1];
        int keep = expected.Shape[1], size = actual.DType.Size();
        Assert.Equal(expected.Shape[0], rows);
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int r = 0; r < rows; r++)
        {
            h.AppendData(bytes, r * cols * size, keep * size);
        }

        Assert.Equal(expected.Sha256, Convert.ToHexStringLower(h.GetHashAndReset()));
    }
}
