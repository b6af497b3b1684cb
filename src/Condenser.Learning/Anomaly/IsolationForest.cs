namespace Condenser.Learning.Anomaly;

/// <summary>
/// Isolation forest (Liu, Ting and Zhou 2008): trees that split a subsample at random features and random thresholds;
/// an outlier is isolated in few splits. The score 2^(−E[h(x)] / c(ψ)) lies in (0, 1]: about 0.5 and below for inliers,
/// towards 1 for anomalies (scikit-learn's <c>score_samples</c> is its negative).
/// </summary>
public sealed class IsolationForest
{
    private readonly Node[][] _trees;
    private readonly int _sampleSize;

    private IsolationForest(Node[][] trees, int sampleSize)
    {
        _trees = trees;
        _sampleSize = sampleSize;
    }

    /// <summary>A node: an inner split (feature, threshold, children) or a leaf holding <see cref="Size"/> samples.</summary>
    private readonly record struct Node(int Feature, float Threshold, int Left, int Right, int Size);

    /// <summary>Grows <paramref name="trees"/> trees, each on a subsample of <paramref name="sampleSize"/> rows of <paramref name="x"/>, depth limited to ⌈log₂ ψ⌉.</summary>
    public static IsolationForest Fit(IReadOnlyList<float[]> x, int trees = 100, int sampleSize = 256, int seed = 1)
    {
        if (x.Count < 2 || trees < 1 || sampleSize < 2)
        {
            throw new ArgumentException($"an isolation forest of {trees} trees on subsamples of {sampleSize} from {x.Count} samples");
        }

        int psi = Math.Min(sampleSize, x.Count);
        int limit = (int)Math.Ceiling(Math.Log2(psi));
        var grown = new Node[trees][];
        Parallel.For(0, trees, t =>
        {
            var rng = new Random(Segmentation.RandomForest.TreeSeed(seed, t));
            var rows = Subsample(x.Count, psi, rng);
            var nodes = new List<Node>();
            Grow(x, rows, 0, rows.Length, 0, limit, rng, nodes);
            grown[t] = [.. nodes];
        });
        return new IsolationForest(grown, psi);
    }

    /// <summary>The anomaly score of each row (in (0, 1], higher is more anomalous).</summary>
    public double[] Score(IReadOnlyList<float[]> x)
    {
        var scores = new double[x.Count];
        double norm = AveragePathLength(_sampleSize);
        Parallel.For(0, x.Count, i =>
        {
            double depth = 0;
            foreach (var tree in _trees)
            {
                depth += PathLength(tree, x[i]);
            }

            scores[i] = Math.Pow(2, -(depth / _trees.Length) / norm);
        });
        return scores;
    }

    /// <summary>c(n) = 2 H(n − 1) − 2 (n − 1) / n: the mean path length of an unsuccessful search in a binary search tree of n keys.</summary>
    public static double AveragePathLength(int n) => n switch
    {
        <= 1 => 0,
        2 => 1,
        _ => (2 * (Math.Log(n - 1) + 0.5772156649015329 + (0.5 / (n - 1)) - (1.0 / (12.0 * (n - 1) * (n - 1))))) - (2.0 * (n - 1) / n),
    };

    /// <summary><paramref name="size"/> distinct rows of <paramref name="count"/>, drawn by a partial Fisher–Yates shuffle (cost follows the subsample, not the data).</summary>
    private static int[] Subsample(int count, int size, Random rng)
    {
        var picked = new Dictionary<int, int>(size * 2);
        var rows = new int[size];
        for (int i = 0; i < size; i++)
        {
            int j = rng.Next(i, count);
            rows[i] = picked.GetValueOrDefault(j, j);
            picked[j] = picked.GetValueOrDefault(i, i);
        }

        return rows;
    }

    private static double PathLength(Node[] tree, float[] x)
    {
        int at = 0, depth = 0;
        while (tree[at].Left >= 0)
        {
            at = x[tree[at].Feature] < tree[at].Threshold ? tree[at].Left : tree[at].Right;
            depth++;
        }

        return depth + AveragePathLength(tree[at].Size);
    }

    private static int Grow(IReadOnlyList<float[]> x, int[] rows, int start, int end, int depth, int limit, Random rng, List<Node> nodes)
    {
        int index = nodes.Count;
        nodes.Add(new Node(-1, 0, -1, -1, end - start));
        if (end - start <= 1 || depth >= limit)
        {
            return index;
        }

        // A feature that varies within the node, tried in random order; none: the node cannot be split.
        int d = x[rows[start]].Length;
        int feature = -1;
        float lo = 0, hi = 0;
        foreach (int f in Enumerable.Range(0, d).OrderBy(_ => rng.Next()))
        {
            lo = float.PositiveInfinity;
            hi = float.NegativeInfinity;
            for (int i = start; i < end; i++)
            {
                lo = Math.Min(lo, x[rows[i]][f]);
                hi = Math.Max(hi, x[rows[i]][f]);
            }

            if (hi > lo)
            {
                feature = f;
                break;
            }
        }

        if (feature < 0)
        {
            return index;
        }

        float threshold = lo + (float)(rng.NextDouble() * (hi - lo));
        threshold = threshold <= lo ? MathF.BitIncrement(lo) : threshold;
        int split = start;
        for (int i = start; i < end; i++)
        {
            if (x[rows[i]][feature] < threshold)
            {
                (rows[i], rows[split]) = (rows[split], rows[i]);
                split++;
            }
        }

        int left = Grow(x, rows, start, split, depth + 1, limit, rng, nodes);
        int right = Grow(x, rows, split, end, depth + 1, limit, rng, nodes);
        nodes[index] = new Node(feature, threshold, left, right, end - start);
        return index;
    }
}
