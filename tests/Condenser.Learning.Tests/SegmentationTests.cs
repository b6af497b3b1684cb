using Condenser.Learning.Segmentation;
using Condenser.Processing.Imaging;

namespace Condenser.Learning.Tests;

/// <summary>
/// Few-shot pixel classification: the SIMD smoothing against its scalar reference and analytical cases, band-wise
/// features against the whole image, the forest's determinism, and a two-phase image whose truth is known.
/// </summary>
public sealed class SegmentationTests
{
    private static float[] Noise(int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)random.NextDouble())];
    }

    /// <summary>The scalar reference: Processing's double-precision Gaussian (scipy's gaussian_filter, reflect mode).</summary>
    private static float[] Reference(float[] image, int h, int w, double sigma) =>
        [.. Filters.Gaussian([.. image.Select(v => (double)v)], h, w, sigma).Select(v => (float)v)];

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.0)]
    public void SimdSmoothingMatchesTheScalarReferenceAwayFromTheEdges(double sigma)
    {
        int h = 61, w = 83;
        var image = Noise(h * w, 3);
        var kernel = SeparableGaussian.Kernel(sigma);
        int r = kernel.Length / 2;
        var fast = new float[h * w];
        SeparableGaussian.SmoothInterior(image, fast, new float[h * w], h, w, kernel);
        var reference = Reference(image, h, w, sigma);
        for (int y = r; y < h - r; y++)
        {
            for (int x = r; x < w - r; x++)
            {
                Assert.Equal(reference[(y * w) + x], fast[(y * w) + x], 1e-5f);
            }
        }
    }

    [Fact]
    public void TheKernelIsScipysTruncatedGaussianAndAnImpulseGivesIt()
    {
        // scipy.ndimage.gaussian_filter truncates at 4σ: radius ⌊4σ + 0.5⌋.
        Assert.Equal(4, SeparableGaussian.Radius(1));
        Assert.Equal(8, SeparableGaussian.Radius(2));
        Assert.Equal(32, SeparableGaussian.Radius(8));
        var k = SeparableGaussian.Kernel(2);
        Assert.Equal(1.0, k.Sum(v => (double)v), 6);
        Assert.Equal(Math.Exp(-0.5), k[8 + 2] / k[8], 6);
        int n = 31;
        var impulse = new float[n * n];
        impulse[(15 * n) + 15] = 1;
        var smooth = Reference(impulse, n, n, 2);
        for (int dy = -8; dy <= 8; dy++)
        {
            Assert.Equal(k[dy + 8] * k[8], smooth[((15 + dy) * n) + 15], 7);
        }

        var constant = Enumerable.Repeat(3f, n * n).ToArray();
        Assert.All(Reference(constant, n, n, 4), v => Assert.Equal(3f, v, 5));
        Assert.Equal([1, 0, 0, 1, 2, 2, 1], Enumerable.Range(-2, 7).Select(i => Filters.Reflect(i, 3)));
    }

    [Fact]
    public void FeaturesOfABandEqualThoseOfTheWholeImage()
    {
        int h = 120, w = 97;
        var image = Noise(h * w, 5);
        var bank = new FilterBank([1, 2, 4]);
        Assert.Equal(1 + (3 * FilterBank.PerScale.Length), bank.Count);
        var whole = bank.Compute(image, h, w, 0, h).Select(p => p.ToArray()).ToArray();
        var workspace = new FeatureWorkspace();
        foreach (var (r0, r1) in new[] { (0, 37), (37, 100), (100, 120) })
        {
            var band = bank.Compute(image, h, w, r0, r1, workspace);
            for (int f = 0; f < bank.Count; f++)
            {
                for (int i = 0; i < (r1 - r0) * w; i++)
                {
                    Assert.Equal(whole[f][(r0 * w) + i], band[f][i]);
                }
            }
        }

        // Feature 1 + 0 is the Gaussian at σ = 1: the scalar reference, everywhere (edges reflected).
        var g = Reference(image, h, w, 1);
        for (int i = 0; i < h * w; i++)
        {
            Assert.Equal(g[i], whole[1][i], 1e-5f);
        }
    }

    [Fact]
    public void TreeSeedsAreTheSameInEveryProcess()
    {
        // A fixed mix, not HashCode (randomised per process): these values must never change, or saved seeds
        // would grow other forests.
        Assert.Equal(RandomForest.TreeSeed(1, 0), RandomForest.TreeSeed(1, 0));
        Assert.NotEqual(RandomForest.TreeSeed(1, 0), RandomForest.TreeSeed(1, 1));
        // SplitMix64 of (1 << 32) + 0, computed independently in Python with 64-bit masks.
        Assert.Equal(595_722_552, RandomForest.TreeSeed(1, 0));
    }

    [Fact]
    public void TheForestSeparatesTwoClassesAndTheSameSeedGrowsTheSameForest()
    {
        var random = new Random(9);
        int n = 400, features = 5;
        var samples = new float[n * features];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = (byte)(i % 2);
            for (int f = 0; f < features; f++)
            {
                samples[(i * features) + f] = (float)random.NextDouble();
            }

            samples[(i * features) + 3] += labels[i] == 1 ? 2 : 0;
        }

        var a = RandomForest.Train(samples, labels, features, 2, null, new ForestOptions(Trees: 16));
        var b = RandomForest.Train(samples, labels, features, 2, null, new ForestOptions(Trees: 16, Workers: 1));
        for (int t = 0; t < 16; t++)
        {
            Assert.Equal(a.Trees[t].Feature, b.Trees[t].Feature);
            Assert.Equal(a.Trees[t].Threshold, b.Trees[t].Threshold);
        }

        var planes = Enumerable.Range(0, features).Select(f => Enumerable.Range(0, n).Select(i => samples[(i * features) + f]).ToArray()).ToArray();
        var votes = new ushort[n * 2];
        a.Vote(planes, 0, n, votes, new long[16 * 2]);
        for (int i = 0; i < n; i++)
        {
            Assert.True(votes[(i * 2) + labels[i]] > votes[(i * 2) + 1 - labels[i]], $"sample {i}");
        }
    }

    [Fact]
    public void ConnectedRegionsUseEightConnectivity()
    {
        byte[] classes =
        [
            1, 0, 0, 2,
            0, 1, 0, 2,
            0, 0, 2, 0,
            1, 0, 0, 0,
        ];
        var (labels, regions) = ConnectedRegions.Label(classes, 4, 4);
        Assert.Equal(labels[0], labels[5]);
        Assert.Equal(labels[3], labels[10]);
        Assert.NotEqual(labels[0], labels[12]);
        Assert.Equal([(1, 2L), (2, 3L), (1, 1L)], regions.Where(r => r.Value > 0).Select(r => ((int)r.Value, r.Pixels)).OrderBy(r => r.Item1 == 1 && r.Item2 == 1 ? 2 : r.Item1));
    }

    /// <summary>Bright disks with noise on a darker, differently textured matrix; the truth is the disks.</summary>
    private static (float[] Image, byte[] Truth) TwoPhases(int n, int seed)
    {
        var random = new Random(seed);
        var image = new float[n * n];
        var truth = new byte[n * n];
        var centres = Enumerable.Range(0, 12).Select(_ => (X: random.Next(n), Y: random.Next(n), R: 6 + random.Next(8))).ToArray();
        for (int y = 0; y < n; y++)
        {
            for (int x = 0; x < n; x++)
            {
                bool inside = centres.Any(c => ((x - c.X) * (x - c.X)) + ((y - c.Y) * (y - c.Y)) <= c.R * c.R);
                truth[(y * n) + x] = (byte)(inside ? 2 : 1);
                image[(y * n) + x] = (inside ? 1.0f : 0.4f) + (0.25f * (float)(random.NextDouble() - 0.5));
            }
        }

        return (image, truth);
    }

    [Fact]
    public void AFewShotsSegmentATwoPhaseImageAndASavedModelSegmentsItTheSame()
    {
        int n = 160;
        var (image, truth) = TwoPhases(n, 4);
        var labels = new byte[n * n];
        int placed1 = 0, placed2 = 0;
        for (int i = 0; i < n * n && (placed1 < 3 || placed2 < 3); i += 997)
        {
            int y = i / n, x = i % n;
            if (y < 2 || x < 2 || y > n - 3 || x > n - 3)
            {
                continue;
            }

            byte c = truth[i];
            bool patch = Enumerable.Range(-2, 5).All(dy => Enumerable.Range(-2, 5).All(dx => truth[((y + dy) * n) + x + dx] == c));
            if (!patch || (c == 1 ? placed1 : placed2) >= 3)
            {
                continue;
            }

            for (int dy = -2; dy <= 2; dy++)
            {
                for (int dx = -2; dx <= 2; dx++)
                {
                    labels[((y + dy) * n) + x + dx] = c;
                }
            }

            _ = c == 1 ? placed1++ : placed2++;
        }

        Assert.True(placed2 > 0, "no disk patch found");
        var frames = new ImageFrames(1, n, n, _ => image);
        var model = PixelClassifier.Train(frames, [labels], SegmentationOptions.Default with { Forest = new ForestOptions(Trees: 24) });
        Assert.Equal(2, model.Classes);
        var maps = model.Apply(frames);
        double accuracy = maps.Classes[0].Zip(truth).Count(p => p.First == p.Second) / (double)(n * n);
        Assert.True(accuracy > 0.95, $"accuracy {accuracy:0.000}");
        Assert.All(maps.Entropy[0], e => Assert.InRange(e, 0f, 1.0001f));

        var path = Path.Combine(Path.GetTempPath(), $"condenser-model-{Guid.NewGuid():N}.json");
        try
        {
            ClassifierFile.Save(path, model);
            var loaded = ClassifierFile.Load(path);
            Assert.Equal(maps.Classes[0], loaded.Apply(frames).Classes[0]);

            File.WriteAllText(path, File.ReadAllText(path).Replace("\"trees\"", "\"treez\""));
            var error = Assert.Throws<InvalidDataException>(() => ClassifierFile.Load(path));
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LabelsThatCannotTrainAreRefusedWithAReason()
    {
        int n = 40;
        var frames = new ImageFrames(1, n, n, _ => Noise(n * n, 1));
        var none = new byte[n * n];
        Assert.Contains("no pixel", Assert.Throws<ArgumentException>(() => PixelClassifier.Train(frames, [none], SegmentationOptions.Default)).Message);
        var one = new byte[n * n];
        one[5] = 1;
        Assert.Contains("only class 1", Assert.Throws<ArgumentException>(() => PixelClassifier.Train(frames, [one], SegmentationOptions.Default)).Message);
        var gap = new byte[n * n];
        gap[5] = 1;
        gap[50] = 3;
        Assert.Contains("class 2 has no labelled pixel", Assert.Throws<ArgumentException>(() => PixelClassifier.Train(frames, [gap], SegmentationOptions.Default)).Message);
        Assert.Throws<ArgumentException>(() => PixelClassifier.Train(frames, [new byte[10]], SegmentationOptions.Default));
    }
}
