using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Condenser.Formats;
using Condenser.Learning.Clustering;

namespace Condenser.Cli.Tests;

/// <summary><c>condenser classify</c> end to end on a twin 4D-STEM scan whose phase map is known.</summary>
public sealed class ClassifyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-classify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Path_(string name) => Path.Combine(_dir, name);

    private static int[] Map(string path, string title)
    {
        using var file = FormatRegistry.Open(path);
        var ds = file.Datasets.First(d => (d.Metadata.Title ?? d.Name) == title);
        return ds.DType == Condenser.Data.DType.Float32
            ? [.. MemoryMarshal.Cast<byte, float>(ds.ReadAll()).ToArray().Select(v => (int)v)]
            : [.. MemoryMarshal.Cast<byte, double>(ds.ReadAll()).ToArray().Select(v => (int)v)];
    }

    [Fact]
    public void KMeansAndAGaussianMixtureWithTheBicsChoiceAgreeWithTheTwinsPhaseMap()
    {
        // Gold grains on amorphous carbon: the phase map has two phases; the patterns of grains seen down different
        // zone axes differ as well, so a third class (an orientation) is allowed for.
        string[] scene = ["--scene", "polycrystal", "--seed", "1", "--fov", "200", "--pixels", "32"];
        var scan = Path_("scan.raw");
        var (code, _, stderr) = CliRunner.Run(["twin", "acquire", "--mode", "4dstem", "--camera-pixels", "32", "--dwell-us", "100", .. scene, "-o", scan]);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = CliRunner.Run(["twin", "truth", .. scene, "-o", Path_("truth.emd")]);
        Assert.True(code == 0, stderr);
        var truth = Map(Path_("truth.emd"), "phase");

        (code, var stdout, stderr) = CliRunner.Run("classify", scan, "-k", "3", "-o", Path_("kmeans.emd"), "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(3, JsonNode.Parse(stdout)!["clusters"]!.GetValue<int>());
        Assert.True(AdjustedRand.Index(truth, Map(Path_("kmeans.emd"), "class")) > 0.9);

        (code, stdout, stderr) = CliRunner.Run("classify", scan, "--method", "gmm", "-k", "auto", "--max-clusters", "6", "-o", Path_("gmm.emd"), "--json");
        Assert.True(code == 0, stderr);
        var json = JsonNode.Parse(stdout)!;
        int k = json["clusters"]!.GetValue<int>();
        var bic = json["bic"]!.AsArray().Select(b => b!.GetValue<double>()).ToArray();
        Assert.Equal(6, bic.Length);
        Assert.Equal(bic.Min(), bic[k - 1]);
        Assert.InRange(k, 2, 6);
        var classes = Map(Path_("gmm.emd"), "class");
        Assert.True(AdjustedRand.Index(truth, classes) > 0.9);
        Assert.Equal(k, classes.Distinct().Count());
        Assert.Equal("gmm", json["provenance"]!["parameters"]!["method"]!.GetValue<string>());
        using (var file = FormatRegistry.Open(Path_("gmm.emd")))
        {
            var p = MemoryMarshal.Cast<byte, double>(file.Datasets.First(d => d.Metadata.Title == "posterior probability").ReadAll()).ToArray();
            Assert.All(p, v => Assert.InRange(v, 1.0 / k, 1.0));
        }

        // Bad choices are refused, each naming what was wrong.
        (code, _, stderr) = CliRunner.Run("classify", scan, "-k", "auto", "-o", Path_("x.emd"));
        Assert.NotEqual(0, code);
        Assert.Contains("--method gmm", stderr);
        (code, _, stderr) = CliRunner.Run("classify", scan, "-k", "three", "-o", Path_("x.emd"));
        Assert.NotEqual(0, code);
        Assert.Contains("--clusters 'three'", stderr);
        (code, _, stderr) = CliRunner.Run("classify", scan, "--method", "dbscan", "-o", Path_("x.emd"));
        Assert.NotEqual(0, code);
        Assert.Contains("'dbscan'", stderr);
    }
}

/// <summary><c>condenser anomaly</c> end to end: patterns planted in a twin scan come first among the candidates.</summary>
public sealed class AnomalyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-anomaly-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PlantedRingPatternsAreTheTopCandidatesOfBothMethods()
    {
        var scan = Path.Combine(_dir, "scan.raw");
        var (code, _, stderr) = CliRunner.Run("twin", "acquire", "--mode", "4dstem", "--camera-pixels", "32", "--dwell-us", "100", "--scene", "polycrystal", "--fov", "200", "--pixels", "32", "-o", scan);
        Assert.True(code == 0, stderr);
        // Three positions get a ring where the twin has a disk: a pattern seen nowhere else, three times.
        int[] planted = [100, 517, 900];
        var ring = new byte[32 * 32 * 2];
        for (int i = 0; i < 32 * 32; i++)
        {
            double r = Math.Sqrt(Math.Pow((i / 32) - 16, 2) + Math.Pow((i % 32) - 16, 2));
            BitConverter.TryWriteBytes(ring.AsSpan(i * 2), (ushort)(Math.Abs(r - 10) < 1.5 ? 200 : 0));
        }

        using (var f = File.OpenWrite(scan))
        {
            foreach (int p in planted)
            {
                f.Position = (long)p * ring.Length;
                f.Write(ring);
            }
        }

        foreach (var method in new[] { "reconstruction", "isolation" })
        {
            (code, var stdout, stderr) = CliRunner.Run("anomaly", scan, "--method", method, "-o", Path.Combine(_dir, $"{method}.emd"), "--json");
            Assert.True(code == 0, stderr);
            var json = JsonNode.Parse(stdout)!;
            var candidates = json["candidates"]!.AsArray().Select(c => (c!["y"]!.GetValue<int>() * 32) + c["x"]!.GetValue<int>()).ToArray();
            Assert.Equal(10, candidates.Length);
            Assert.Equal(planted, candidates.Take(3).Order().ToArray());
            Assert.Equal(method, json["provenance"]!["parameters"]!["method"]!.GetValue<string>());
            using var file = FormatRegistry.Open(Path.Combine(_dir, $"{method}.emd"));
            Assert.Equal(32 * 32, file.Datasets.Single(d => d.Metadata.Title == "anomaly score").Shape.ElementCount);
        }

        (code, _, stderr) = CliRunner.Run("anomaly", scan, "--method", "lof", "-o", Path.Combine(_dir, "x.emd"));
        Assert.NotEqual(0, code);
        Assert.Contains("'lof'", stderr);
    }
}
