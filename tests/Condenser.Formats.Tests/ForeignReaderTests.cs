using System.Text.Json.Nodes;
using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>
/// Every fixture converted to EMD, NeXus and (for images and spectra) TIFF is opened by HyperSpy 1.7, and each TIFF
/// by tifffile, with the same array and the same calibrations as Condenser wrote.
/// </summary>
public sealed class ForeignReaderTests(ForeignReaderTests.Conversions conversions) : IClassFixture<ForeignReaderTests.Conversions>
{
    private static readonly string[] Extensions = [".emd", ".nxs", ".tif"];

    /// <summary>Fixtures Condenser reads, each converted once; HyperSpy and tifffile open them all in one process.</summary>
    public sealed class Conversions : IDisposable
    {
        private readonly Lazy<JsonObject> _seen;

        public Conversions()
        {
            Folder = Directory.CreateTempSubdirectory("condenser-foreign-").FullName;
            _seen = new Lazy<JsonObject>(() => HyperSpy.Open([.. Written.Values.Select(w => w.Path)], Folder));
        }

        public string Folder { get; }

        /// <summary>(fixture, extension) → the file written and the datasets written into it.</summary>
        public Dictionary<(string, string), (string Path, int[] Datasets)> Written { get; } = [];

        public void Dispose() => Directory.Delete(Folder, recursive: true);

        public JsonObject Seen()
        {
            lock (Written)
            {
                if (Written.Count == 0)
                {
                    WriteAll();
                }

                return _seen.Value;
            }
        }

        private void WriteAll()
        {
            foreach (var relative in Fixtures())
            {
                using var source = FormatRegistry.Open(TestData.File(relative));
                foreach (var ext in Extensions)
                {
                    var sets = Selected(source, ext);
                    if (sets.Length == 0)
                    {
                        continue;
                    }

                    var output = Path.Combine(Folder, relative.Replace('/', '_') + ext);
                    FormatRegistry.WriterFor(output).Write(output, sets.Select(i => source.Datasets[i]).ToList());
                    Written[(relative, ext)] = (output, sets);
                }
            }
        }
    }

    private static IEnumerable<string> Fixtures() => TestData.ReferencedFiles().Where(f => Reference.Load(f).Error is null);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var f in Fixtures())
        {
            foreach (var ext in Extensions)
            {
                data.Add(f, ext);
            }
        }

        return data;
    }

    /// <summary>The datasets a converter writes: all of them to EMD and NeXus; to TIFF the first, where TIFF can hold it.</summary>
    private static int[] Selected(EmFile source, string ext)
    {
        if (ext != ".tif")
        {
            return [.. Enumerable.Range(0, source.Datasets.Count)];
        }

        // TIFF is for images: one image, a stack of them, or an RGB(A) image.
        var d = source.Datasets[0];
        int sigRank = d.Shape.Signal.Count - (d.DType is DType.Rgb8 or DType.Rgba8 ? 1 : 0);
        return !d.DType.IsComplex() && sigRank == 2 && d.Shape.Navigation.Count <= 1 ? [0] : [];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OpensWhatCondenserWrote(string relative, string extension)
    {
        HyperSpy.RequireInstalled();
        var seen = conversions.Seen();
        if (!conversions.Written.TryGetValue((relative, extension), out var written))
        {
            return; // TIFF cannot hold it: the round-trip tests check the refusal.
        }

        using var ours = FormatRegistry.Open(written.Path);
        var entry = seen[written.Path]!.AsObject();
        if (entry["hyperspy"] is not JsonArray)
        {
            Assert.Fail($"{relative} → {extension}: HyperSpy 1.7 failed: {entry["hyperspy"]?["error"]}");
        }

        var signals = entry["hyperspy"]!.AsArray();
        Assert.Equal(ours.Datasets.Count, signals.Count);

        // HyperSpy lists groups by name, Condenser in the written order: each signal is paired with the dataset of its values.
        var remaining = ours.Datasets.ToList();
        foreach (var signal in signals.Select(x => x!.AsObject()))
        {
            string sha = signal["sha256"]!.GetValue<string>();
            var match = remaining.FirstOrDefault(d => DatasetSummary.Compute(d).Sha256 == sha) ?? remaining[0];
            remaining.Remove(match);
            Compare($"{relative} → {extension} '{signal["metadata"]?["title"]}'", match, signal, extension);
        }

        if (extension == ".tif")
        {
            var tf = entry["tifffile"]!.AsObject();
            Assert.True(tf["error"] is null, $"{relative} → .tif: tifffile failed: {tf["error"]}");
            var d = ours.Datasets[0];
            Assert.Equal(d.Shape.Dimensions.Where(n => n > 1), tf["shape"]!.AsArray().Select(n => n!.GetValue<int>()).Where(n => n > 1));
            Assert.Equal(DatasetSummary.Compute(d).Sha256, tf["sha256"]!.GetValue<string>());
        }
    }

    private static void Compare(string what, EmDataset ours, JsonObject theirs, string extension)
    {
        // HyperSpy presents an RGB(A) image as a structured array without the channel axis (TIFF), or the channels as an axis.
        bool rgb = ours.DType is DType.Rgb8 or DType.Rgba8 && theirs["dtype"]!.GetValue<string>().Contains('(');
        var shape = ours.Shape.Dimensions[..^(rgb ? 1 : 0)];
        Assert.True(shape.SequenceEqual(theirs["shape"]!.AsArray().Select(n => n!.GetValue<int>())), $"{what}: shape [{string.Join(",", shape)}] vs HyperSpy [{string.Join(",", theirs["shape"]!.AsArray())}]");
        Assert.True(DatasetSummary.Compute(ours).Sha256 == theirs["sha256"]!.GetValue<string>(), $"{what}: HyperSpy's values ({theirs["dtype"]}) differ from Condenser's ({ours.DType.Name()})");

        foreach (var axis in theirs["axes"]!.AsArray().Select(a => a!.AsObject()))
        {
            int k = axis["index_in_array"]!.GetValue<int>();
            var mine = ours.Axes[k];
            double? scale = axis["scale"]?.GetValue<double>(), offset = axis["offset"]?.GetValue<double>();
            string units = axis["units"]!.GetValue<string>();
            double expectedScale = mine.Scale, expectedOffset = mine.Offset;
            if (extension == ".nxs" && mine.Scale < 0)
            {
                // HyperSpy 1.7's NeXus reader takes |step| and the smallest value as offset (the data are not flipped).
                expectedScale = -mine.Scale;
                expectedOffset = mine.Offset + (mine.Scale * (mine.Size - 1));
            }

            // A NeXus axis of length 1 is one value: HyperSpy takes it as the offset with scale 1.
            if (!(extension == ".nxs" && mine.Size == 1))
            {
                Assert.True(scale is { } s && Math.Abs(s - expectedScale) <= 1e-6 * Math.Max(1e-30, Math.Abs(mine.Scale)), $"{what}: axis {k} scale {mine.Scale} vs HyperSpy {scale}");
            }

            Assert.True(offset is { } o && Math.Abs(o - expectedOffset) <= (1e-6 * Math.Abs(expectedOffset)) + (1e-6 * Math.Abs(mine.Scale)) + 1e-12, $"{what}: axis {k} offset {mine.Offset} vs HyperSpy {offset}");
            Assert.True(Units.Same(units, mine.Units), $"{what}: axis {k} units '{mine.Units}' vs HyperSpy '{units}'");
            if (extension == ".tif")
            {
                // HyperSpy 1.7 marks every axis of an EMD file as a signal axis, and every named NeXus axis as navigation.
                Assert.True(axis["navigate"]!.GetValue<bool>() == mine.Navigate, $"{what}: axis {k} navigate {mine.Navigate} vs HyperSpy");
            }
        }
    }
}
