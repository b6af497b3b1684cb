namespace Condenser.Learning.Segmentation;

/// <summary>Which training samples (and how many times each) a tree's bootstrap draws, shot by shot within each class.</summary>
internal sealed class BootstrapPlan
{
    private readonly int[][][] _groups;
    private readonly int _samples;

    public BootstrapPlan(byte[] labels, int[]? groups, int classes)
    {
        _samples = labels.Length;
        var byClass = new Dictionary<int, List<int>>[classes];
        for (int c = 0; c < classes; c++)
        {
            byClass[c] = [];
        }

        for (int i = 0; i < labels.Length; i++)
        {
            int g = groups?[i] ?? 0;
            var d = byClass[labels[i]];
            if (!d.TryGetValue(g, out var list))
            {
                d[g] = list = [];
            }

            list.Add(i);
        }

        _groups = byClass.Select(d => d.OrderBy(kv => kv.Key).Select(kv => kv.Value.ToArray()).ToArray()).ToArray();
    }

    /// <summary>The multiplicity of every sample in one bootstrap.</summary>
    public int[] Draw(Random random)
    {
        var counts = new int[_samples];
        foreach (var shots in _groups)
        {
            if (shots.Length == 0)
            {
                continue;
            }

            int total = shots.Sum(s => s.Length);
            var pool = new List<int>(total);
            for (int k = 0; k < shots.Length; k++)
            {
                pool.AddRange(shots[random.Next(shots.Length)]);
            }

            for (int k = 0; k < total; k++)
            {
                counts[pool[random.Next(pool.Count)]]++;
            }
        }

        return counts;
    }
}

/// <summary>Grows one tree of a <see cref="RandomForest"/> over binned samples.</summary>
internal sealed class TreeGrower(byte[] bins, float[][] thresholds, byte[] labels, int features, int classes, ForestOptions options, Random random)
{
    private readonly List<int> _feature = [];
    private readonly List<float> _threshold = [];
    private readonly List<int> _left = [];
    private readonly long[] _histogram = new long[RandomForest.Bins * classes];
    private readonly long[] _totals = new long[classes];
    private readonly long[] _left2 = new long[classes];
    private readonly int _tries = Math.Max(1, (int)Math.Round(Math.Sqrt(features)));

    public ForestTree Grow(int[] counts)
    {
        var index = Enumerable.Range(0, counts.Length).Where(i => counts[i] > 0).ToArray();
        var stack = new Stack<(int Node, int Start, int End, int Depth)>();
        Add();
        stack.Push((0, 0, index.Length, 0));
        var order = Enumerable.Range(0, features).ToArray();
        while (stack.Count > 0)
        {
            var (node, start, end, depth) = stack.Pop();
            Array.Clear(_totals);
            for (int i = start; i < end; i++)
            {
                _totals[labels[index[i]]] += counts[index[i]];
            }

            int majority = 0, present = 0;
            for (int c = 0; c < classes; c++)
            {
                present += _totals[c] > 0 ? 1 : 0;
                majority = _totals[c] > _totals[majority] ? c : majority;
            }

            var split = present > 1 && depth < options.MaxDepth ? BestSplit(index, counts, start, end, order) : null;
            if (split is not { } s)
            {
                _feature[node] = -1;
                _left[node] = majority;
                continue;
            }

            // Values in bins ≤ s.Bin go left: partition the node's samples in place.
            int lo = start, hi = end - 1;
            while (lo <= hi)
            {
                if (bins[((long)index[lo] * features) + s.Feature] <= s.Bin)
                {
                    lo++;
                }
                else
                {
                    (index[lo], index[hi]) = (index[hi], index[lo]);
                    hi--;
                }
            }

            _feature[node] = s.Feature;
            _threshold[node] = thresholds[s.Feature][s.Bin];
            int left = _left[node] = _feature.Count;
            Add();
            Add();
            stack.Push((left + 1, lo, end, depth + 1));
            stack.Push((left, start, lo, depth + 1));
        }

        return new ForestTree([.. _feature], [.. _threshold], [.. _left]);
    }

    private void Add()
    {
        _feature.Add(-1);
        _threshold.Add(0);
        _left.Add(0);
    }

    /// <summary>The split of least weighted Gini impurity over √F random features (more if none of those splits).</summary>
    private (int Feature, int Bin)? BestSplit(int[] index, int[] counts, int start, int end, int[] order)
    {
        // A partial Fisher–Yates shuffle draws the features to try, without repetition.
        double best = double.NegativeInfinity;
        (int, int)? chosen = null;
        for (int k = 0; k < features && (k < _tries || chosen is null); k++)
        {
            int j = k + random.Next(features - k);
            (order[k], order[j]) = (order[j], order[k]);
            int f = order[k];
            int edges = thresholds[f].Length;
            if (edges == 0)
            {
                continue;
            }

            Array.Clear(_histogram);
            for (int i = start; i < end; i++)
            {
                int s = index[i];
                _histogram[(bins[((long)s * features) + f] * classes) + labels[s]] += counts[s];
            }

            // Score Σ_c n_lc²/n_l + Σ_c n_rc²/n_r: the larger, the purer the two sides.
            var left = _left2;
            Array.Clear(left);
            long nLeft = 0, nAll = 0;
            for (int c = 0; c < classes; c++)
            {
                nAll += _totals[c];
            }

            for (int b = 0; b < edges; b++)
            {
                for (int c = 0; c < classes; c++)
                {
                    long v = _histogram[(b * classes) + c];
                    left[c] += v;
                    nLeft += v;
                }

                long nRight = nAll - nLeft;
                if (nLeft == 0 || nRight == 0)
                {
                    continue;
                }

                double sl = 0, sr = 0;
                for (int c = 0; c < classes; c++)
                {
                    double l = left[c], r = _totals[c] - left[c];
                    sl += l * l;
                    sr += r * r;
                }

                double score = (sl / nLeft) + (sr / nRight);
                if (score > best + 1e-12)
                {
                    best = score;
                    chosen = (f, b);
                }
            }
        }

        return chosen;
    }
}
