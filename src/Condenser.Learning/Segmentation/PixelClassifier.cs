using System.Collections.Concurrent;

namespace Condenser.Learning.Segmentation;

/// <summary>Images to segment: frames of one height and width, read one at a time as float32 (row major).</summary>
/// <param name="Count">Number of frames.</param>
/// <param name="Height">Rows per frame.</param>
/// <param name="Width">Columns per frame.</param>
/// <param name="Read">Reads frame i.</param>
public sealed record ImageFrames(int Count, int Height, int Width, Func<int, float[]> Read);

/// <summary>How a pixel classifier is trained.</summary>
/// <param name="Scales">Filter-bank scales (pixels).</param>
/// <param name="Forest">The random forest's size, depth and seed.</param>
/// <param name="MaxSamplesPerClass">Labelled pixels of a class beyond this many are subsampled (seeded) for training.</param>
public sealed record SegmentationOptions(double[] Scales, ForestOptions Forest, int MaxSamplesPerClass = 20_000)
{
    /// <summary>The defaults: scales 1, 2, 4, 8 px; 48 trees.</summary>
    public static SegmentationOptions Default { get; } = new(FilterBank.DefaultScales, new ForestOptions());
}

/// <summary>What the training saw: per class (1..K) its labelled pixels, its shots (connected labelled regions) and the samples used.</summary>
/// <param name="LabelledPixels">Labelled pixels per class.</param>
/// <param name="Shots">Connected labelled regions per class.</param>
/// <param name="SamplesUsed">Pixels per class the forest was trained on (at most the options' cap).</param>
/// <param name="PixelSize">The training image's pixel size (its units), when calibrated: the scales are in its pixels.</param>
/// <param name="Units">Units of <paramref name="PixelSize"/>.</param>
public sealed record TrainingSummary(long[] LabelledPixels, int[] Shots, int[] SamplesUsed, double? PixelSize = null, string? Units = null);

/// <summary>A segmentation: per frame the class of every pixel (1..K) and the trees' vote entropy.</summary>
/// <param name="Classes">Per frame, height × width classes 1..K.</param>
/// <param name="Entropy">Per frame, the entropy of the trees' votes at each pixel over ln K (0: unanimous, 1: evenly split).</param>
/// <param name="TreeClassPixels">Per tree and class (trees × K), the pixels that tree alone gives the class: each tree is a bootstrap of the shots.</param>
public sealed record SegmentationMaps(byte[][] Classes, float[][] Entropy, long[] TreeClassPixels);

/// <summary>
/// Few-shot pixel classification: a <see cref="FilterBank"/> of multi-scale features and a <see cref="RandomForest"/>
/// trained on the pixels a user labelled (ilastik's pixel classification), applied band by band so memory is bounded
/// by a band of rows, not the image.
/// </summary>
public sealed class PixelClassifier
{
    /// <summary>
    /// Pixels per band (rows × width) that features are computed for at once, unless the filters' halo asks for more
    /// rows (a band has at least four halos of rows, so padding costs at most half again).
    /// </summary>
    public const int BandPixels = 1 << 18;

    /// <summary>A classifier of the forest's classes (labels 1..K are the forest's 0..K − 1).</summary>
    public PixelClassifier(FilterBank bank, RandomForest forest, TrainingSummary training)
    {
        if (forest.Features != bank.Count)
        {
            throw new InvalidDataException($"the forest takes {forest.Features} features; the filter bank gives {bank.Count}");
        }

        Bank = bank;
        Forest = forest;
        Training = training;
    }

    /// <summary>
    /// Workspaces that training leaves for the first <see cref="Apply"/> (fresh memory costs page faults that outweigh
    /// the filters); Apply lets them go when it is done, so an idle classifier holds none.
    /// </summary>
    private ConcurrentBag<FeatureWorkspace> _workspaces = [];

    /// <summary>The filter bank.</summary>
    public FilterBank Bank { get; }

    /// <summary>The forest.</summary>
    public RandomForest Forest { get; }

    /// <summary>This classifier with <paramref name="training"/> in place of its training summary (training's workspaces go with it).</summary>
    public PixelClassifier WithTraining(TrainingSummary training) => new(Bank, Forest, training) { _workspaces = _workspaces };

    /// <summary>Number of classes.</summary>
    public int Classes => Forest.Classes;

    /// <summary>What training saw.</summary>
    public TrainingSummary Training { get; }

    /// <summary>
    /// Trains on the labelled pixels of <paramref name="labels"/> (per frame of <paramref name="images"/> a label image
    /// of the frame's size, 0 unlabelled, 1..K classes, or null for a frame without labels).
    /// </summary>
    public static PixelClassifier Train(ImageFrames images, IReadOnlyList<byte[]?> labels, SegmentationOptions options, CancellationToken cancel = default)
    {
        var bank = new FilterBank(options.Scales);
        options.Forest.Check();
        if (options.MaxSamplesPerClass < 1)
        {
            throw new ArgumentException($"{options.MaxSamplesPerClass} samples per class: at least 1");
        }

        if (labels.Count != images.Count)
        {
            throw new ArgumentException($"labels for {labels.Count} frames; the image has {images.Count}");
        }

        int h = images.Height, w = images.Width, k = 0;
        foreach (var l in labels)
        {
            if (l is null)
            {
                continue;
            }

            if (l.Length != h * w)
            {
                throw new ArgumentException($"a label image of {l.Length} pixels for frames of {h}×{w}");
            }

            foreach (var v in l)
            {
                k = Math.Max(k, v);
            }
        }

        // Shots: connected labelled regions of one class; every labelled pixel knows its shot.
        var pixels = Enumerable.Range(0, k).Select(_ => new List<(int Frame, int Pixel, int Shot)>()).ToArray();
        var shots = new int[k];
        int shotBase = 0;
        for (int f = 0; f < labels.Count; f++)
        {
            if (labels[f] is not { } l)
            {
                continue;
            }

            var (regions, list) = ConnectedRegions.Label(l, h, w);
            foreach (var (value, _) in list)
            {
                shots[value - 1]++;
            }

            for (int i = 0; i < l.Length; i++)
            {
                if (l[i] > 0)
                {
                    pixels[l[i] - 1].Add((f, i, shotBase + regions[i]));
                }
            }

            shotBase += list.Count;
        }

        if (k < 2)
        {
            throw new ArgumentException(k == 0 ? "the labels mark no pixel: mark a few pixels of every class (1..K, 0 unlabelled)" : "the labels mark only class 1: mark pixels of at least two classes");
        }

        for (int c = 0; c < k; c++)
        {
            if (pixels[c].Count == 0)
            {
                throw new ArgumentException($"class {c + 1} has no labelled pixel, yet classes up to {k} are labelled: classes are numbered 1..K without gaps");
            }
        }

        // At most MaxSamplesPerClass pixels per class, drawn without replacement (seeded).
        var random = new Random(options.Forest.Seed);
        var chosen = new List<(int Frame, int Pixel, int Shot, byte Class)>();
        var used = new int[k];
        for (int c = 0; c < k; c++)
        {
            var list = pixels[c];
            if (list.Count > options.MaxSamplesPerClass)
            {
                var array = list.ToArray();
                random.Shuffle(array);
                list = [.. array.Take(options.MaxSamplesPerClass).OrderBy(p => p.Frame).ThenBy(p => p.Pixel)];
            }

            used[c] = list.Count;
            chosen.AddRange(list.Select(p => (p.Frame, p.Pixel, p.Shot, (byte)c)));
        }

        var samples = new float[(long)chosen.Count * bank.Count];
        var workspaces = new ConcurrentBag<FeatureWorkspace>();
        int bandRows = BandRows(h, w, bank.Halo);
        var work = chosen.Select((p, i) => (p.Frame, Band: p.Pixel / w / bandRows, Index: i)).GroupBy(p => (p.Frame, p.Band)).ToList();
        foreach (var frameGroup in work.GroupBy(g => g.Key.Frame))
        {
            cancel.ThrowIfCancellationRequested();
            var image = images.Read(frameGroup.Key);
            Parallel.ForEach(
                frameGroup,
                new ParallelOptions { CancellationToken = cancel, MaxDegreeOfParallelism = Workers(options.Forest.Workers) },
                () => workspaces.TryTake(out var ws) ? ws : new FeatureWorkspace(),
                (band, _, workspace) =>
                {
                    int row0 = band.Key.Band * bandRows, row1 = Math.Min(h, row0 + bandRows);
                    var planes = bank.Compute(image, h, w, row0, row1, workspace);
                    foreach (var (_, _, i) in band)
                    {
                        int p = chosen[i].Pixel - (row0 * w);
                        for (int f = 0; f < planes.Length; f++)
                        {
                            samples[((long)i * bank.Count) + f] = planes[f][p];
                        }
                    }

                    return workspace;
                },
                workspaces.Add);
        }

        var forest = RandomForest.Train(samples, [.. chosen.Select(p => p.Class)], bank.Count, k, [.. chosen.Select(p => p.Shot)], options.Forest, cancel);
        var training = new TrainingSummary([.. pixels.Select(p => (long)p.Count)], shots, used);
        return new PixelClassifier(bank, forest, training) { _workspaces = workspaces };
    }

    /// <summary>Segments every frame of <paramref name="images"/>; <paramref name="progress"/> gets the fraction done.</summary>
    public SegmentationMaps Apply(ImageFrames images, int workers = 0, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        int h = images.Height, w = images.Width, k = Classes, trees = Forest.Trees.Count;
        int bandRows = BandRows(h, w, Bank.Halo), bands = (h + bandRows - 1) / bandRows;
        var classes = new byte[images.Count][];
        var entropy = new float[images.Count][];
        var perTree = new long[trees * k];
        double norm = 1 / Math.Log(k);
        var logs = Enumerable.Range(0, trees + 1).Select(v => v == 0 ? 0 : v / (double)trees * Math.Log(v / (double)trees)).ToArray();
        long done = 0, total = (long)images.Count * bands;
        var workspaces = Interlocked.Exchange(ref _workspaces, []);
        for (int f = 0; f < images.Count; f++)
        {
            cancel.ThrowIfCancellationRequested();
            var image = images.Read(f);
            var cls = classes[f] = new byte[h * w];
            var ent = entropy[f] = new float[h * w];
            Parallel.For(
                0,
                bands,
                new ParallelOptions { CancellationToken = cancel, MaxDegreeOfParallelism = Workers(workers) },
                () => workspaces.TryTake(out var ws) ? ws : new FeatureWorkspace(),
                (band, _, workspace) =>
                {
                    int row0 = band * bandRows, row1 = Math.Min(h, row0 + bandRows), count = (row1 - row0) * w;
                    var planes = Bank.Compute(image, h, w, row0, row1, workspace);
                    var votes = new ushort[count * k];
                    var local = new long[trees * k];
                    Forest.Vote(planes, 0, count, votes, local);
                    int offset = row0 * w;
                    for (int i = 0; i < count; i++)
                    {
                        var v = votes.AsSpan(i * k, k);
                        int best = 0;
                        double s = 0;
                        for (int c = 0; c < k; c++)
                        {
                            best = v[c] > v[best] ? c : best;
                            s -= logs[v[c]];
                        }

                        cls[offset + i] = (byte)(best + 1);
                        ent[offset + i] = (float)(s * norm);
                    }

                    lock (perTree)
                    {
                        for (int i = 0; i < local.Length; i++)
                        {
                            perTree[i] += local[i];
                        }
                    }

                    progress?.Report(Interlocked.Increment(ref done) / (double)total);
                    return workspace;
                },
                workspaces.Add);
        }

        return new SegmentationMaps(classes, entropy, perTree);
    }

    private static int BandRows(int height, int width, int halo) => Math.Min(Math.Max(16, height), Math.Max(BandPixels / Math.Max(1, width), Math.Max(16, 4 * halo)));

    private static int Workers(int workers) => workers > 0 ? workers : -1;
}
