using Condenser.Data;
using System.Text.Json.Nodes;

namespace Condenser.Cli.Tests;

/// <summary>The stable command-line interface, exercised end to end.</summary>
public sealed class CommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string relative) => Path.Combine(CliRunner.TestData, relative);

    [Fact]
    public void InfoJsonFollowsTheStableSchema()
    {
        var (code, stdout, stderr) = CliRunner.Run("info", Fixture("quantumdetector/001_4x2_6bit.mib"), "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal("001_4x2_6bit.mib", doc["file"]!.GetValue<string>());
        Assert.Equal("mib", doc["format"]!.GetValue<string>());
        var d = doc["datasets"]!.AsArray().Single()!.AsObject();
        Assert.Equal([2, 4, 256, 256], d["shape"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal(2, d["navigation_dims"]!.GetValue<int>());
        Assert.Equal("uint8", d["dtype"]!.GetValue<string>());
        Assert.Equal(4, d["axes"]!.AsArray().Count);
        foreach (var key in new[] { "name", "size", "scale", "offset", "units", "navigate" })
        {
            Assert.NotNull(d["axes"]![0]!.AsObject()[key]);
        }

        Assert.Equal(3623664.0, d["stats"]!["sum"]!.GetValue<double>());
        Assert.Equal("b1da1eabb1c358e0732c7970f79751dc7e61cd298982d2bce520665913e50450", d["sha256"]!.GetValue<string>());
        var md = d["metadata"]!.AsObject();
        Assert.Equal("4d_stem", md["signal_type"]!.GetValue<string>());
        foreach (var key in new[] { "beam_energy_kev", "magnification", "camera_length_mm", "convergence_angle_mrad", "exposure_s", "acquired", "instrument", "detector" })
        {
            Assert.True(md.ContainsKey(key), key);
        }

        Assert.Null(md["beam_energy_kev"]);
    }

    [Fact]
    public void InfoOriginalIncludesTheVendorTree()
    {
        var (code, stdout, _) = CliRunner.Run("info", Fixture("digitalmicrograph/3D/EELS_SI.dm4"), "--json", "--original");
        Assert.Equal(0, code);
        var d = JsonNode.Parse(stdout)!["datasets"]![0]!;
        Assert.NotNull(d["original_metadata"]!["ImageTags"]);
        Assert.Equal([2, 2, 2048], d["shape"]!.AsArray().Select(n => n!.GetValue<int>()));
    }

    [Fact]
    public void PreviewWritesAPng()
    {
        var png = Path.Combine(_dir, "out.png");
        var (code, stdout, stderr) = CliRunner.Run("preview", Fixture("digitalmicrograph/2D/test_STEM_image.dm3"), "-o", png, "--json");
        Assert.True(code == 0, stderr);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']));
        Assert.Equal(png, JsonNode.Parse(stdout)!["output"]!.GetValue<string>());
    }

    [Fact]
    public void PreviewOfA4dStemScanShowsTheMeanPatternInLogScale()
    {
        var png = Path.Combine(_dir, "mean.png");
        var (code, _, stderr) = CliRunner.Run("preview", Fixture("quantumdetector/001_4x2_6bit.mib"), "--log", "-o", png);
        Assert.True(code == 0, stderr);
        Assert.Contains("mean of 8 frames", stderr);
        Assert.True(new FileInfo(png).Length > 1000);
    }

    [Fact]
    public void ConvertToEmdAndBackKeepsTheArray()
    {
        var emd = Path.Combine(_dir, "si.emd");
        var (code, _, stderr) = CliRunner.Run("convert", Fixture("digitalmicrograph/3D/EELS_SI.dm4"), emd);
        Assert.True(code == 0, stderr);
        var a = JsonNode.Parse(CliRunner.Run("info", Fixture("digitalmicrograph/3D/EELS_SI.dm4"), "--json").Out)!["datasets"]![0]!;
        var b = JsonNode.Parse(CliRunner.Run("info", emd, "--json").Out)!["datasets"]![0]!;
        Assert.Equal(a["sha256"]!.GetValue<string>(), b["sha256"]!.GetValue<string>());
        Assert.Equal(a["axes"]!.ToJsonString(), b["axes"]!.ToJsonString());
        Assert.Equal(a["metadata"]!.ToJsonString(), b["metadata"]!.ToJsonString());
    }

    [Fact]
    public void RawNeedsShapeAndDtypeAndReadsWithThem()
    {
        var raw = Path.Combine(_dir, "cube.bin");
        var bytes = new byte[2 * 3 * 4 * 5 * 2];
        for (int i = 0; i < bytes.Length / 2; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), (ushort)i);
        }

        File.WriteAllBytes(raw, bytes);
        var (bad, _, err) = CliRunner.Run("info", raw);
        Assert.Equal(2, bad);
        Assert.Contains("--shape", err);
        var (code, stdout, stderr) = CliRunner.Run("info", raw, "--shape", "2,3,4,5", "--dtype", "uint16", "--json");
        Assert.True(code == 0, stderr);
        var d = JsonNode.Parse(stdout)!["datasets"]![0]!;
        Assert.Equal(2, d["navigation_dims"]!.GetValue<int>());
        Assert.Equal(119.0, d["stats"]!["max"]!.GetValue<double>());
    }

    [Fact]
    public void NonFiniteValuesAreDataCountedBesideTheStatistics()
    {
        // A float32 image with one NaN, two +inf and one -inf: it was refused (JSON has no infinity).
        var raw = Path.Combine(_dir, "inf.bin");
        var values = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        values[3] = float.NaN;
        values[5] = float.PositiveInfinity;
        values[6] = float.PositiveInfinity;
        values[9] = float.NegativeInfinity;
        File.WriteAllBytes(raw, values.SelectMany(BitConverter.GetBytes).ToArray());

        var (code, stdout, stderr) = CliRunner.Run("info", raw, "--shape", "4,4", "--dtype", "float32", "--json");
        Assert.True(code == 0, stderr);
        var stats = JsonNode.Parse(stdout)!["datasets"]![0]!["stats"]!;
        Assert.Equal(1, stats["nan"]!.GetValue<long>());
        Assert.Equal(2, stats["positive_infinity"]!.GetValue<long>());
        Assert.Equal(1, stats["negative_infinity"]!.GetValue<long>());
        Assert.Equal(0.0, stats["min"]!.GetValue<double>());
        Assert.Equal(15.0, stats["max"]!.GetValue<double>());
        Assert.Equal((120.0 - 3 - 5 - 6 - 9) / 12, stats["mean"]!.GetValue<double>(), 12);

        var (textCode, text, _) = CliRunner.Run("info", raw, "--shape", "4,4", "--dtype", "float32");
        Assert.Equal(0, textCode);
        Assert.Contains("1 NaN  2 +inf  1 -inf", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedFileGivesOneLineAndExitCodeTwo()
    {
        var broken = Path.Combine(_dir, "broken.dm4");
        var original = File.ReadAllBytes(Fixture("digitalmicrograph/2D/test-3.dm4"));
        File.WriteAllBytes(broken, original[..(original.Length / 3)]);
        var (code, stdout, stderr) = CliRunner.Run("info", broken, "--json");
        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("broken.dm4", lines[0]);
    }

    [Fact]
    public void AMissingFileIsReportedNotThrown()
    {
        var (code, _, stderr) = CliRunner.Run("info", Path.Combine(_dir, "nope.mrc"));
        Assert.Equal(2, code);
        Assert.Contains("nope.mrc", stderr);
    }

    [Fact]
    public void AFileOfAnotherKindNamedDm4SaysItIsNotDigitalMicrograph()
    {
        var text = Path.Combine(_dir, "notes.dm4");
        File.WriteAllText(text, "hello, these are notes and not a DigitalMicrograph file");
        var (code, _, stderr) = CliRunner.Run("info", text);
        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("not a DigitalMicrograph file", line);
        Assert.DoesNotContain("version 1", line);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(line, "notes\\.dm4"));
    }

    [Fact]
    public void AnOutputIntoAMissingFolderEndsWithOneLineBeforeAnyWork()
    {
        var target = Path.Combine(_dir, "no", "such", "folder", "out.emd");
        foreach (var args in new[]
        {
            new[] { "convert", Fixture("mrc/HAADFscan.mrc"), target },
            ["preview", Fixture("mrc/HAADFscan.mrc"), "-o", Path.ChangeExtension(target, ".png")],
            ["virtual-image", Fixture("quantumdetector/001_4x2_6bit.mib"), "--annulus", "0:20", "-o", target],
        })
        {
            var (code, _, stderr) = CliRunner.Run(args);
            Assert.Equal(2, code);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"error: {args[^1]}: the folder {Path.GetDirectoryName(args[^1])} does not exist (create it first)", line);
            Assert.False(Directory.Exists(Path.Combine(_dir, "no")));
        }
    }

    [Fact]
    public void InfoTakesSeveralFiles()
    {
        string a = Fixture("mrc/HAADFscan.mrc"), b = Fixture("tia/old/16x16-point_spectrum-1x1024.emi");
        var (code, stdout, _) = CliRunner.Run("info", a, b, "--json");
        Assert.Equal(0, code);
        var docs = JsonNode.Parse(stdout)!.AsArray();
        Assert.Equal(["HAADFscan.mrc", "16x16-point_spectrum-1x1024.emi"], docs.Select(d => d!["file"]!.GetValue<string>()));
        var (code2, table, _) = CliRunner.Run("info", a, b);
        Assert.Equal(0, code2);
        Assert.Contains("HAADFscan.mrc  (mrc)", table);
        Assert.Contains("16x16-point_spectrum-1x1024.emi  (tia)", table);
        var (one, single, _) = CliRunner.Run("info", a, "--json");
        Assert.Equal(0, one);
        Assert.Equal("HAADFscan.mrc", JsonNode.Parse(single)!["file"]!.GetValue<string>());
    }

    [Fact]
    public void FormatsListsEveryReader()
    {
        var (code, stdout, _) = CliRunner.Run("formats", "--json");
        Assert.Equal(0, code);
        var names = JsonNode.Parse(stdout)!.AsArray().Select(n => n!["name"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "digitalmicrograph", "mib", "mrc", "tiff", "emd", "tia", "empad", "raw" }, names);
    }
}

/// <summary>The 4D-STEM commands on a real Merlin scan.</summary>
public sealed class FourDStemCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-4d-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PatternStatisticsOfARegionAreTheirDefinitions()
    {
        // The whole file's sum is the reference sum (3 623 664); a region's mean, maximum and standard deviation are
        // checked against the frames read one by one.
        var mib = Path.Combine(CliRunner.TestData, "quantumdetector/001_4x2_6bit.mib");
        var whole = Path.Combine(_dir, "stats.emd");
        var (code, stdout, stderr) = CliRunner.Run("pattern-stats", mib, "-o", whole, "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(3623664.0, JsonNode.Parse(stdout)!["sum"]!.GetValue<double>());
        Assert.Equal(8, JsonNode.Parse(stdout)!["positions"]!.GetValue<long>());

        var region = Path.Combine(_dir, "stats-region.emd");
        (code, stdout, stderr) = CliRunner.Run("pattern-stats", mib, "--region", "0:2,1:3", "-o", region, "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!;
        Assert.Equal(4, doc["positions"]!.GetValue<long>());
        Assert.Equal(4, doc["provenance"]!["positions_visited"]!.GetValue<long>());
        using var source = Condenser.Formats.FormatRegistry.Open(mib);
        var ds = source.Datasets[0];
        var frames = new[] { 1, 2, 5, 6 }.Select(f =>
        {
            var bytes = new byte[ds.FrameBytes];
            ds.ReadFrame(f, bytes);
            var v = new double[ds.Shape.SignalCount];
            ds.DType.ReadInto(bytes, v);
            return v;
        }).ToArray();
        using var result = Condenser.Formats.FormatRegistry.Open(region);
        double[] Read(string title)
        {
            var bytes = result.Datasets.Single(d => d.Name == title).ReadAll();
            var v = new double[bytes.Length / 8];
            Buffer.BlockCopy(bytes, 0, v, 0, bytes.Length);
            return v;
        }

        var mean = Read("mean pattern");
        var max = Read("maximum pattern");
        var std = Read("standard deviation pattern");
        Assert.Equal(256 * 256, mean.Length);
        for (int i = 0; i < mean.Length; i++)
        {
            var values = frames.Select(f => f[i]).ToArray();
            double m = values.Average();
            Assert.Equal(m, mean[i], 12);
            Assert.Equal(values.Max(), max[i]);
            Assert.Equal(Math.Sqrt(values.Average(x => (x - m) * (x - m))), std[i], 9);
        }

        Assert.Equal(2, CliRunner.Run("pattern-stats", mib, "--region", "0:3,0:1", "-o", region).Code);
    }

    [Fact]
    public void AWholeDetectorAnnulusSumsEveryCount()
    {
        var output = Path.Combine(_dir, "vi.emd");
        var mib = Path.Combine(CliRunner.TestData, "quantumdetector/001_4x2_6bit.mib");
        var (code, stdout, stderr) = CliRunner.Run("virtual-image", mib, "--annulus", "0:1000", "--center", "128:128", "-o", output, "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonNode.Parse(stdout)!;
        Assert.Equal(3623664.0, doc["sum"]!.GetValue<double>()); // the reference sum of the whole file
        Assert.Equal(output, doc["output"]!.GetValue<string>());
        Assert.True(doc["elapsed_s"]!.GetValue<double>() >= 0);
        Assert.True(doc["bytes_read"]!.GetValue<long>() >= 2 * 4 * 256 * 256);
        var provenance = doc["provenance"]!;
        Assert.Equal("virtual-image", provenance["analysis"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(mib))), provenance["input_sha256"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{32}$", provenance["input_tree_hash"]!.GetValue<string>());
        var info = JsonNode.Parse(CliRunner.Run("info", output, "--json").Out)!["datasets"]![0]!;
        Assert.Equal([2, 4], info["shape"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal(3623664.0, info["stats"]!["sum"]!.GetValue<double>());
        Assert.True(File.Exists(Path.ChangeExtension(output, ".png")));
    }

    [Fact]
    public void CentreOfMassWritesShiftAndIntensityMaps()
    {
        var output = Path.Combine(_dir, "com.emd");
        var mib = Path.Combine(CliRunner.TestData, "quantumdetector/001_4x2_6bit.mib");
        var (code, stdout, stderr) = CliRunner.Run("com", mib, "-o", output, "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(3623664.0, JsonNode.Parse(stdout)!["sum"]!.GetValue<double>());
        var info = JsonNode.Parse(CliRunner.Run("info", output, "--json").Out)!["datasets"]!.AsArray();
        // A 2×4 scan is too small to tell the detector's rotation: the shift maps only, and the summary says why.
        Assert.Equal(new[] { "com shift y", "com shift x", "intensity" }, info.Select(d => d!["name"]!.GetValue<string>()));
        Assert.Contains("too small to tell", JsonNode.Parse(stdout)!["rotation_undetermined"]!.GetValue<string>());
    }

    [Fact]
    public void AnImageIsNotA4dStemScan()
    {
        var (code, _, stderr) = CliRunner.Run("virtual-image", Path.Combine(CliRunner.TestData, "digitalmicrograph/1D/test-2.dm3"), "--annulus", "0:5", "-o", Path.Combine(_dir, "x.emd"));
        Assert.Equal(2, code);
        Assert.Contains("2-d frames", stderr);
    }
}

/// <summary>The 4D-STEM commands against the same computation done independently in numpy on the real files.</summary>
public sealed class NumpyComparisonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-numpy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, int, int> Scans() => new()
    {
        { "quantumdetector/001_4x2_6bit.mib", 2, 4 },
        { "quantumdetector/002_merlin_test_roi_sig256x128_nav4x2_hot_pixel_52x_39y.mib", 2, 4 },
        { "quantumdetector/Quad_9_Frame_CounterDepth_12_Rows_256.mib", 1, 9 },
    };

    [Theory]
    [MemberData(nameof(Scans))]
    public void VirtualImageAndCentreOfMassMatchNumpy(string relative, int sy, int sx)
    {
        var mib = Path.Combine(CliRunner.TestData, relative);
        const string inner = "10.5", outer = "60", cy = "63.7", cx = "120.2";
        var numpy = Numpy("numpy_reference.py", mib, sy.ToString(), sx.ToString(), inner, outer, cy, cx);

        var vi = Path.Combine(_dir, "vi.emd");
        Assert.Equal(0, CliRunner.Run("virtual-image", mib, "--annulus", $"{inner}:{outer}", "--center", $"{cy}:{cx}", "-o", vi).Code);
        var com = Path.Combine(_dir, "com.emd");
        Assert.Equal(0, CliRunner.Run("com", mib, "--center", $"{cy}:{cx}", "-o", com).Code);

        Compare(numpy["virtual"]!.AsArray(), Values(vi, 0));
        Compare(numpy["com_y"]!.AsArray(), Values(com, 0));
        Compare(numpy["com_x"]!.AsArray(), Values(com, 1));
        Compare(numpy["total"]!.AsArray(), Values(com, 2));
    }

    [Theory]
    [InlineData("digitalmicrograph/3D/EELS_SI.dm4")]
    [InlineData("tia/old/16x16-spectrum_image-5x5x1024.emi")]
    [InlineData("tia/new/16x16-diffraction_imagel_5x5x256x256_EDS.emi")]
    public void PcaAndZeroLossOfRealSpectrumImagesMatchNumpy(string relative)
    {
        // numpy reads the same values through Condenser's raw export (the reader itself is checked against RosettaSciIO).
        var file = Path.Combine(CliRunner.TestData, relative);
        var raw = Path.Combine(_dir, "si.raw");
        Assert.Equal(0, CliRunner.Run("convert", file, raw).Code);
        var numpy = Numpy("numpy_spectra.py", raw);

        var pca = CliRunner.Run("decompose", file, "-k", "2", "-o", Path.Combine(_dir, "pca.emd"), "--json");
        Assert.Equal(0, pca.Code);
        var ours = JsonNode.Parse(pca.Out)!["singular_values"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var theirs = numpy["singular_values"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        double scale = Math.Max(1e-300, theirs[0]);
        for (int i = 0; i < Math.Min(ours.Length, theirs.Length); i++)
        {
            Assert.True(Math.Abs(ours[i] - theirs[i]) <= 1e-9 * scale, $"singular value {i}: numpy {theirs[i]}, Condenser {ours[i]}");
        }

        // None of these is a low-loss spectrum (core loss from 300 eV; spectra whose brightest channel lies 70 eV and
        // 715 eV from 0): --zero-loss refuses them, naming why.
        var zlp = Path.Combine(_dir, "zlp.emd");
        var refused = CliRunner.Run("eels-map", file, "--zero-loss", "-o", zlp);
        Assert.Equal(2, refused.Code);
        Assert.Contains("zero-loss peak", refused.Err);

        // Given an axis 70 eV lower, the TIA spectra peak near 0 eV: the positions are numpy's, 70 eV lower.
        if (relative == "tia/old/16x16-spectrum_image-5x5x1024.emi")
        {
            Assert.Equal(0, CliRunner.Run("eels-map", file, "--zero-loss", "--energy-scale", "0.2", "--energy-offset", "-90", "-o", zlp).Code);
            var shifted = new JsonArray(numpy["zlp"]!.AsArray().Select(v => v is null ? null : (JsonNode)(v.GetValue<double>() - 70)).ToArray());
            Compare(shifted, Values(zlp, 0));
        }
    }

    /// <summary>Runs one of the numpy reference scripts beside the tests with Debian's python and parses its JSON.</summary>
    private static JsonNode Numpy(string script, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, script));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "numpy (python3-numpy) is needed: " + stderr);
        return JsonNode.Parse(stdout)!;
    }

    private static double[] Values(string emd, int index)
    {
        var raw = Path.Combine(Path.GetDirectoryName(emd)!, $"{Path.GetFileNameWithoutExtension(emd)}_{index}.raw");
        Assert.Equal(0, CliRunner.Run("convert", emd, raw, "--dataset", index.ToString()).Code);
        var bytes = File.ReadAllBytes(raw);
        var v = new double[bytes.Length / 8];
        Buffer.BlockCopy(bytes, 0, v, 0, bytes.Length);
        return v;
    }

    private static void Compare(JsonArray expected, double[] actual)
    {
        Assert.Equal(expected.Count, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            if (expected[i] is null)
            {
                Assert.True(double.IsNaN(actual[i]));
                continue;
            }

            double e = expected[i]!.GetValue<double>();
            Assert.True(Math.Abs(e - actual[i]) <= 1e-9 * Math.Max(1, Math.Abs(e)), $"position {i}: numpy {e}, Condenser {actual[i]}");
        }
    }
}

/// <summary>A pass over a dataset above the streaming threshold keeps its resident memory near one partition per worker.</summary>
public sealed class StreamingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-stream-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AStreamedPassReleasesTheMappedFileAndGivesTheSameResult()
    {
        // 96 MiB of uint16 frames: 96 × 32 scan of 128 × 128.
        var raw = Path.Combine(_dir, "scan.raw");
        var bytes = new byte[96L * 32 * 128 * 128 * 2];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(raw, bytes);
        JsonNode Pass(string threshold)
        {
            var (code, stdout, stderr) = CliRunner.Run("bench", "stream", raw, "--shape", "96,32,128,128", "--dtype", "uint16", "--nav-dims", "2", "--streaming-threshold", threshold);
            Assert.True(code == 0, stderr);
            return JsonNode.Parse(stdout)!;
        }

        var whole = Pass("1000000000000");
        var streamed = Pass("0");
        Assert.False(whole["streams"]!.GetValue<bool>());
        Assert.True(streamed["streams"]!.GetValue<bool>());
        Assert.Equal(whole["sum"]!.GetValue<double>(), streamed["sum"]!.GetValue<double>());

        // Kept mapped, the whole file ends up resident; streamed, at most a few partitions are.
        Assert.True(whole["rss_file_bytes_after"]!.GetValue<long>() >= bytes.Length * 9 / 10, whole.ToJsonString());
        Assert.True(streamed["rss_file_bytes_after"]!.GetValue<long>() < 64L << 20, streamed.ToJsonString());
        Assert.True(streamed["peak_rss_bytes"]!.GetValue<long>() < whole["peak_rss_bytes"]!.GetValue<long>() - (48L << 20), $"{streamed.ToJsonString()} vs {whole.ToJsonString()}");
    }
}
