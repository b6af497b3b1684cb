using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>
/// Orientation and phase maps by clustering the patterns: each pattern is reduced to a small feature vector (binned
/// to at most 16 × 16, square-rooted to tame the central disk, scaled to unit length), and the vectors are grouped by
/// k-means (k-means++ seeding from a fixed seed, so a map is reproducible).
/// </summary>
public sealed class PatternClustering(int side = 16) : IFrameReducer
{
    /// <summary>One feature vector per scan position (null where a run did not visit).</summary>
    public float[][] Features { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) => [BufferDeclaration.PerPosition<float[]>("features")];

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        var features = results.Get<float[]>(0);
        int h = tile.Layout.Height, w = tile.Layout.Width;
        int fy = Math.Max(1, h / side), fx = Math.Max(1, w / side);
        int oh = h / fy, ow = w / fx;
        var pattern = results.WorkerState as double[] ?? (double[])(results.WorkerState = new double[h * w]);
        for (int f = 0; f < tile.Count; f++)
        {
            tile.Layout.DType.ReadInto(tile.FrameBytes(f), pattern);
            var v = new float[oh * ow];
            for (int y = 0; y < oh * fy; y++)
            {
                for (int x = 0; x < ow * fx; x++)
                {
                    v[((y / fy) * ow) + (x / fx)] += (float)pattern[(y * w) + x];
                }
            }

            double norm = 0;
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = MathF.Sqrt(Math.Max(0, v[i]));
                norm += v[i] * v[i];
            }

            norm = Math.Sqrt(norm);
            for (int i = 0; i < v.Length && norm > 0; i++)
            {
                v[i] /= (float)norm;
            }

            features[tile.Positions[f]] = v;
        }
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results) => Features = results.Get<float[]>(0);

    /// <summary>k-means of the features: a label per position and the cluster centres.</summary>
    public static (int[] Labels, float[][] Centers) KMeans(IReadOnlyList<float[]> features, int k, int seed = 1, int iterations = 100)
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
