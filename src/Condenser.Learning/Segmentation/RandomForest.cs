using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Condenser.Learning.Segmentation;

/// <summary>
/// A random forest of classification trees (Breiman 2001) made for pixel classification: each tree grows on its own
/// bootstrap of the training samples, each split looks at √F randomly chosen features and picks the threshold of
/// least Gini impurity among up to 64 quantile bins of that feature's training values (histogram splits, as
/// LightGBM and scikit-learn's HistGradientBoosting bin), trees grow until their leaves are pure or
/// <see cref="ForestOptions.MaxDepth"/> is reached. A pixel's class is the majority of the trees' votes.
/// </summary>
/// <remarks>
/// Trees are stored flat (feature, threshold, index of the left child; the right child follows it), so a model is a
/// few arrays and prediction walks them without branches on the tree's shape.
/// </remarks>
public sealed class RandomForest
{
    /// <summary>Number of quantile bins per feature that split thresholds are chosen from.</summary>
    public const int Bins = 64;

    internal RandomForest(int features, int classes, ForestTree[] trees)
    {
        Features = features;
        Classes = classes;
        Trees = trees;
        _walks = [.. trees.Select(TreeWalk.Of)];
    }

    private readonly TreeWalk[] _walks;

    /// <summary>Number of features a sample has.</summary>
    public int Features { get; }

    /// <summary>Number of classes (0..Classes − 1).</summary>
    public int Classes { get; }

    /// <summary>The trees.</summary>
    public IReadOnlyList<ForestTree> Trees { get; }

    /// <summary>
    /// Grows a forest on <paramref name="samples"/> (n × features, row major) with classes <paramref name="labels"/>
    /// (0..classes − 1); <paramref name="groups"/> (one per sample, or null) names the shot a sample belongs to: a
    /// tree's bootstrap draws whole shots of each class with replacement, then samples within them with replacement,
    /// so the trees' disagreement reflects the choice of shots, not only of pixels.
    /// </summary>
    public static RandomForest Train(float[] samples, byte[] labels, int features, int classes, int[]? groups, ForestOptions options, CancellationToken cancel = default)
    {
        int n = labels.Length;
        if (features < 1 || classes < 2 || classes > 255 || samples.Length != (long)n * features || n < 2 || (groups is not null && groups.Length != n))
        {
            throw new ArgumentException($"random forest: {n} samples of {features} features ({samples.Length} values), {classes} classes");
        }

        options.Check();
        foreach (var l in labels)
        {
            if (l >= classes)
            {
                throw new ArgumentException($"random forest: label {l} out of 0..{classes - 1}");
            }
        }

        var (bins, thresholds) = Binning(samples, n, features);
        var draw = new BootstrapPlan(labels, groups, classes);
        var trees = new ForestTree[options.Trees];
        Parallel.For(0, options.Trees, new ParallelOptions { CancellationToken = cancel, MaxDegreeOfParallelism = options.Workers > 0 ? options.Workers : -1 }, t =>
        {
            var random = new Random(TreeSeed(options.Seed, t));
            var counts = draw.Draw(random);
            trees[t] = new TreeGrower(bins, thresholds, labels, features, classes, options, random).Grow(counts);
        });
        return new RandomForest(features, classes, trees);
    }

    /// <summary>
    /// The seed of tree <paramref name="tree"/>'s random draws: a fixed mix (SplitMix64's finaliser) of the forest's
    /// seed and the tree's index, the same in every process (unlike <see cref="HashCode"/>, which is randomised per process).
    /// </summary>
    public static int TreeSeed(int seed, int tree)
    {
        ulong z = ((ulong)(uint)seed << 32) + (uint)tree + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    /// <summary>Builds a forest from stored trees (a saved model), checking every index.</summary>
    public static RandomForest FromTrees(int features, int classes, ForestTree[] trees)
    {
        if (features < 1 || classes < 2 || classes > 255 || trees.Length == 0)
        {
            throw new InvalidDataException($"a forest of {trees.Length} trees over {features} features and {classes} classes");
        }

        for (int t = 0; t < trees.Length; t++)
        {
            trees[t].Check(features, classes, t);
        }

        return new RandomForest(features, classes, trees);
    }

    /// <summary>
    /// Votes for <paramref name="count"/> pixels whose features lie in <paramref name="planes"/> (one array per
    /// feature, pixel <c>first + i</c> at index <c>first + i</c>): <paramref name="votes"/> gets count × classes vote
    /// counts; <paramref name="perTree"/> (trees × classes, or empty) accumulates each tree's class counts.
    /// </summary>
    public void Vote(float[][] planes, int first, int count, Span<ushort> votes, Span<long> perTree)
    {
        if (planes.Length != Features || votes.Length != count * Classes || (perTree.Length != 0 && perTree.Length != Trees.Count * Classes))
        {
            throw new ArgumentException($"forest vote: {planes.Length} feature planes (expected {Features}), {votes.Length} vote slots for {count} pixels");
        }

        votes.Clear();

        // Blocks of pixels: the block's features are copied pixel by pixel into one small buffer that stays in the
        // first-level cache for all the trees (the planes themselves lie megabytes apart, and their same offsets
        // would contend for the same cache sets). Every pixel steps one level per pass (a leaf steps onto itself),
        // so the steps of different pixels overlap and no branch depends on the data.
        const int Block = 128;
        int features = Features;
        var buffer = new float[Block * features];
        Span<int> node = stackalloc int[Block];
        for (int b0 = 0; b0 < count; b0 += Block)
        {
            int n = Math.Min(count - b0, Block), p0 = first + b0;
            for (int f = 0; f < features; f++)
            {
                var plane = planes[f].AsSpan(p0, n);
                for (int i = 0; i < n; i++)
                {
                    buffer[(i * features) + f] = plane[i];
                }
            }

            for (int t = 0; t < _walks.Length; t++)
            {
                var walk = _walks[t];
                var steps = walk.Steps;
                for (int i = 0; i < n; i++)
                {
                    node[i] = 0;
                }

                // Unchecked indexing: a tree's nodes, features and children were checked when it was made or loaded.
                ref TreeStep root = ref MemoryMarshal.GetArrayDataReference(steps);
                ref float values = ref MemoryMarshal.GetArrayDataReference(buffer);
                for (int level = 0; level < walk.Depth; level++)
                {
                    for (int i = 0, row = 0; i < n; i++, row += features)
                    {
                        ref readonly var step = ref Unsafe.Add(ref root, node[i]);
                        node[i] = step.Next + (Unsafe.Add(ref values, row + step.Feature) > step.Threshold ? 1 : 0);
                    }
                }

                var leafClass = walk.Class;
                for (int i = 0; i < n; i++)
                {
                    votes[((b0 + i) * Classes) + leafClass[node[i]]]++;
                }

                if (perTree.Length != 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        perTree[(t * Classes) + leafClass[node[i]]]++;
                    }
                }
            }
        }
    }

    private static (byte[] Bins, float[][] Thresholds) Binning(float[] samples, int n, int features)
    {
        var bins = new byte[samples.Length];
        var thresholds = new float[features][];
        Parallel.For(0, features, f =>
        {
            var values = new float[n];
            for (int i = 0; i < n; i++)
            {
                values[i] = samples[((long)i * features) + f];
            }

            var sorted = values.Where(float.IsFinite).Order().ToArray();
            var edges = new List<float>();
            for (int b = 1; b < Bins && sorted.Length > 0; b++)
            {
                int k = (int)((long)b * sorted.Length / Bins);
                if (k <= 0 || k >= sorted.Length)
                {
                    continue;
                }

                // Between two distinct neighbouring values, so a threshold separates what it can.
                float lo = sorted[k - 1], hi = sorted[k];
                if (hi > lo)
                {
                    float mid = lo + ((hi - lo) / 2);
                    if (edges.Count == 0 || mid > edges[^1])
                    {
                        edges.Add(mid);
                    }
                }
            }

            var e = edges.ToArray();
            thresholds[f] = e;
            for (int i = 0; i < n; i++)
            {
                float v = values[i];
                int b = float.IsNaN(v) ? 0 : LowerBound(e, v);
                bins[((long)i * features) + f] = (byte)b;
            }
        });
        return (bins, thresholds);
    }

    /// <summary>Number of edges below <paramref name="v"/> (so v ≤ edges[b] for its bin b, and v &gt; edges[b − 1]).</summary>
    private static int LowerBound(float[] edges, float v)
    {
        int lo = 0, hi = edges.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (edges[mid] < v)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

/// <summary>How a forest grows.</summary>
/// <param name="Trees">Number of trees (1..1024).</param>
/// <param name="MaxDepth">Deepest split (1..64).</param>
/// <param name="Seed">Seed of the bootstraps and feature choices: the same seed gives the same forest.</param>
/// <param name="Workers">Threads (0: all cores).</param>
public sealed record ForestOptions(int Trees = 48, int MaxDepth = 24, int Seed = 1, int Workers = 0)
{
    /// <summary>Refuses options out of range.</summary>
    public void Check()
    {
        if (Trees < 1 || Trees > 1024)
        {
            throw new ArgumentException($"{Trees} trees: between 1 and 1024");
        }

        if (MaxDepth < 1 || MaxDepth > 64)
        {
            throw new ArgumentException($"tree depth {MaxDepth}: between 1 and 64");
        }
    }
}

/// <summary>
/// One tree, flat: node i splits on <see cref="Feature"/>[i] (−1 for a leaf) at <see cref="Threshold"/>[i] — values
/// at or below go to node <see cref="Left"/>[i], above to Left[i] + 1; a leaf's Left is its class.
/// </summary>
public sealed record ForestTree(int[] Feature, float[] Threshold, int[] Left)
{
    /// <summary>Number of nodes.</summary>
    public int Nodes => Feature.Length;

    /// <summary>Checks a stored tree: arrays of one length, children after their parent, classes and features in range.</summary>
    public void Check(int features, int classes, int index)
    {
        if (Feature.Length == 0 || Threshold.Length != Feature.Length || Left.Length != Feature.Length)
        {
            throw new InvalidDataException($"tree {index}: {Feature.Length} features, {Threshold.Length} thresholds, {Left.Length} children");
        }

        for (int i = 0; i < Feature.Length; i++)
        {
            bool leaf = Feature[i] < 0;
            if (leaf ? Feature[i] != -1 || Left[i] < 0 || Left[i] >= classes : Feature[i] >= features || Left[i] <= i || Left[i] + 1 >= Feature.Length || !float.IsFinite(Threshold[i]))
            {
                throw new InvalidDataException($"tree {index}, node {i}: feature {Feature[i]}, threshold {Threshold[i]}, child/class {Left[i]} out of range ({features} features, {classes} classes, {Feature.Length} nodes)");
            }
        }
    }
}

/// <summary>
/// A tree laid out for <see cref="RandomForest.Vote"/>: one step per node (feature, threshold, next node); a leaf
/// splits on feature 0 at +∞ and leads to itself, so every pixel can take <see cref="Depth"/> steps whatever its
/// path; <see cref="Class"/> is a leaf's class.
/// </summary>
internal sealed record TreeWalk(TreeStep[] Steps, int[] Class, int Depth)
{
    public static TreeWalk Of(ForestTree tree)
    {
        int n = tree.Nodes;
        var steps = new TreeStep[n];
        var cls = new int[n];
        var depth = new int[n];
        int deepest = 0;
        for (int i = 0; i < n; i++)
        {
            if (tree.Feature[i] < 0)
            {
                steps[i] = new TreeStep(0, float.PositiveInfinity, i);
                cls[i] = tree.Left[i];
                deepest = Math.Max(deepest, depth[i]);
            }
            else
            {
                steps[i] = new TreeStep(tree.Feature[i], tree.Threshold[i], tree.Left[i]);
                depth[tree.Left[i]] = depth[tree.Left[i] + 1] = depth[i] + 1;
            }
        }

        return new TreeWalk(steps, cls, deepest);
    }
}

/// <summary>One node of a <see cref="TreeWalk"/>: values above <see cref="Threshold"/> of <see cref="Feature"/> go to Next + 1, the others to Next.</summary>
internal readonly record struct TreeStep(int Feature, float Threshold, int Next);
