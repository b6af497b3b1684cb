using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>
/// Orientation and phase maps by clustering the patterns: each pattern is reduced to a small feature vector (binned
/// to at most 16 × 16, square-rooted to tame the central disk, scaled to unit length), for the learning library's
/// k-means to group.
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
}
