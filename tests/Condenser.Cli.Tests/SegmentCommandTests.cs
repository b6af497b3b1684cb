using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Formats;

namespace Condenser.Cli.Tests;

/// <summary><c>condenser segment</c> end to end on a twin image whose phase map is known.</summary>
public sealed class SegmentCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-segment-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Path_(string name) => Path.Combine(_dir, name);

    [Fact]
    public void TrainsOnAFewShotsSavesTheModelAndTheModelSegmentsTheSame()
    {
        var image = Path_("haadf.tif");
        var truthFile = Path_("truth.emd");
        string[] scene = ["--scene", "oxide-interface", "--seed", "2", "--center", "0,0", "--fov", "8", "--pixels", "96"];
        var (code, _, stderr) = CliRunner.Run(["twin", "acquire", "--mode", "haadf", .. scene, "-o", image]);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = CliRunner.Run(["twin", "truth", .. scene, "-o", truthFile]);
        Assert.True(code == 0, stderr);
        byte[] truth;
        using (var file = FormatRegistry.Open(truthFile))
        {
            var phase = MemoryMarshal.Cast<byte, float>(file.Datasets.First(d => (d.Metadata.Title ?? d.Name) == "phase").ReadAll()).ToArray();
            var values = phase.Distinct().Order().ToArray();
            Assert.Equal(2, values.Length);
            truth = [.. phase.Select(v => (byte)(Array.IndexOf(values, v) + 1))];
        }

        // Two 5×5 shots per phase, where the patch lies wholly inside it.
        int n = 96;
        var labels = new byte[n * n];
        foreach (byte c in new byte[] { 1, 2 })
        {
            int placed = 0;
            for (int i = 0; i < n * n && placed < 2; i += 331)
            {
                int y = i / n, x = i % n;
                if (y < 2 || x < 2 || y > n - 3 || x > n - 3 || !Enumerable.Range(-2, 5).All(d => Enumerable.Range(-2, 5).All(e => truth[((y + d) * n) + x + e] == c)))
                {
                    continue;
                }

                for (int d = -2; d <= 2; d++)
                {
                    for (int e = -2; e <= 2; e++)
                    {
                        labels[((y + d) * n) + x + e] = c;
                    }
                }

                placed++;
            }

            Assert.Equal(2, placed);
        }

        var labelPath = Path_("labels.tif");
        using (var ds = EmDataset.FromBytes("labels", [], [n, n], DType.UInt8, labels))
        {
            FormatRegistry.WriterFor(labelPath).Write(labelPath, [ds]);
        }

        var seg = Path_("seg.tif");
        var model = Path_("model.json");
        string stdout;
        (code, stdout, stderr) = CliRunner.Run("segment", image, "--labels", labelPath, "--save-model", model, "-o", seg, "--uncertainty", Path_("u.tif"), "--json");
        Assert.True(code == 0, stderr);
        var summary = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal(2, summary["class_count"]!.GetValue<int>());
        var classes = summary["classes"]!.AsArray();
        Assert.Equal(2, classes[1]!["shots"]!.GetValue<int>());
        Assert.Equal(50, classes[1]!["labelled_pixels"]!.GetValue<int>());
        Assert.Equal(1.0, classes.Sum(c => c!["fraction"]!.GetValue<double>()), 9);
        Assert.True(File.Exists(Path.ChangeExtension(seg, ".png")));
        byte[] first;
        using (var file = FormatRegistry.Open(seg))
        {
            first = file.Datasets[0].ReadAll().ToArray();
        }

        double accuracy = first.Zip(truth).Count(p => p.First == p.Second) / (double)(n * n);
        Assert.True(accuracy > 0.9, $"accuracy {accuracy:0.000} against the twin's phase map");

        var again = Path_("again.tif");
        (code, _, stderr) = CliRunner.Run("segment", image, "--model", model, "-o", again);
        Assert.True(code == 0, stderr);
        using (var file = FormatRegistry.Open(again))
        {
            Assert.Equal(first, file.Datasets[0].ReadAll().ToArray());
        }

        // Bad input: labels of another shape, a damaged model, both or neither of --labels and --model.
        using (var ds = EmDataset.FromBytes("labels", [], [n, n - 1], DType.UInt8, new byte[n * (n - 1)]))
        {
            FormatRegistry.WriterFor(Path_("bad.tif")).Write(Path_("bad.tif"), [ds]);
        }

        (code, _, stderr) = CliRunner.Run("segment", image, "--labels", Path_("bad.tif"), "-o", Path_("x.tif"));
        Assert.NotEqual(0, code);
        Assert.Contains("96", stderr);
        File.WriteAllText(model, File.ReadAllText(model)[..200]);
        (code, _, stderr) = CliRunner.Run("segment", image, "--model", model, "-o", Path_("y.tif"));
        Assert.NotEqual(0, code);
        Assert.Contains("model.json", stderr);
        (code, _, stderr) = CliRunner.Run("segment", image, "-o", Path_("z.tif"));
        Assert.NotEqual(0, code);
        Assert.Contains("--labels", stderr);
    }
}
