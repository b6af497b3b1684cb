using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>Sum, mean, maximum and standard-deviation diffraction patterns over the positions visited, in one pass.</summary>
public sealed class PatternStatistics : IFrameReducer
{
    /// <summary>Number of patterns seen.</summary>
    public long Count { get; private set; }

    /// <summary>Sum of the patterns.</summary>
    public double[] Sum { get; private set; } = [];

    /// <summary>Pixel-wise maximum.</summary>
    public double[] Max { get; private set; } = [];

    /// <summary>Mean pattern.</summary>
    public double[] Mean { get; private set; } = [];

    /// <summary>Pixel-wise standard deviation over the scan (population).</summary>
    public double[] StandardDeviation { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) =>
    [
        BufferDeclaration.PerSignalPixel("sum"),
        BufferDeclaration.PerSignalPixel("sum of squares"),
        BufferDeclaration.PerSignalPixel("max", BufferMerge.Max),
        BufferDeclaration.Single("count"),
    ];

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        double[] sum = results[0], squares = results[1], max = results[2];
        var values = results.WorkerState as double[] ?? (double[])(results.WorkerState = new double[sum.Length]);
        for (int f = 0; f < tile.Count; f++)
        {
            tile.Layout.DType.ReadInto(tile.FrameBytes(f), values);
            for (int i = 0; i < sum.Length; i++)
            {
                double v = values[i];
                sum[i] += v;
                squares[i] += v * v;
                if (v > max[i])
                {
                    max[i] = v;
                }
            }
        }

        results[3][0] += tile.Count;
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results)
    {
        double[] sum = results[0], squares = results[1];
        Count = (long)results[3][0];
        Sum = sum;
        Max = results[2];
        Mean = new double[sum.Length];
        StandardDeviation = new double[sum.Length];
        for (int i = 0; i < sum.Length && Count > 0; i++)
        {
            Mean[i] = sum[i] / Count;
            StandardDeviation[i] = Math.Sqrt(Math.Max(0, (squares[i] / Count) - (Mean[i] * Mean[i])));
        }
    }
}
