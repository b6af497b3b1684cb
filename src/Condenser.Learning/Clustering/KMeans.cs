namespace Condenser.Learning.Clustering;

/// <summary>
/// k-means of feature vectors (Lloyd's iterations from k-means++ seeding with a fixed seed, so a result is
/// reproducible): orientation and phase maps from <see cref="Condenser.Processing.FourDStem.PatternClustering"/>'s features.
/// </summary>
public static class KMeans
{
    /// <summary>k-means of the features: a label per position and the cluster centres.</summary>
    public static (int[] Labels, float[][] Centers) Fit(IReadOnlyList<float[]> features, int k, int seed = 1, int iterations = 100)
    {
        int n = features.Count;
        if (k < 1 || n < k)
        {
            throw new ArgumentException($"k-means of {n} patterns into {k} clusters");
        }

        int dim = features[0].Length;
        var rng = new Random(seed);
        var centers = new List<float[]> { (float[])features[rng.Next(n)].Clone() };
        var d2 = new double[n];
        while (centers.Count < k)
        {
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                d2[i] = centers.Min(c => Distance2(features[i], c));
                total += d2[i];
            }

            double pick = rng.NextDouble() * total;
            int chosen = n - 1;
            for (int i = 0; i < n; i++)
            {
                pick -= d2[i];
                if (pick <= 0)
                {
                    chosen = i;
                    break;
                }
            }

            centers.Add((float[])features[chosen].Clone());
        }

        var labels = new int[n];
        for (int it = 0; it < iterations; it++)
        {
            bool changed = false;
            Parallel.For(0, n, () => false, (i, _, local) =>
            {
                int best = 0;
                double bestD = double.MaxValue;
                for (int c = 0; c < k; c++)
                {
                    double d = Distance2(features[i], centers[c]);
                    if (d < bestD)
                    {
                        bestD = d;
                        best = c;
                    }
                }

                if (labels[i] != best || it == 0)
                {
                    labels[i] = best;
                    return true;
                }

                return local;
            }, local => { if (local) { changed = true; } });
            var sums = new double[k, dim];
            var counts = new int[k];
            for (int i = 0; i < n; i++)
            {
                counts[labels[i]]++;
                for (int j = 0; j < dim; j++)
                {
                    sums[labels[i], j] += features[i][j];
                }
            }

            for (int c = 0; c < k; c++)
            {
                for (int j = 0; j < dim && counts[c] > 0; j++)
                {
                    centers[c][j] = (float)(sums[c, j] / counts[c]);
                }
            }

            if (!changed)
            {
                break;
            }
        }

        return (labels, [.. centers]);
    }

    private static double Distance2(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            s += d * d;
        }

        return s;
    }
}
