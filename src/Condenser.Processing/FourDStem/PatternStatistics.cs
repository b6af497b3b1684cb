using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>Sum, mean, maximum and standard-deviation diffraction patterns over the scan, in one pass.</summary>
public sealed class PatternStatistics(long pixels) : IFrameReducer
{
    private readonly double[] _sumSquares = new double[pixels];

    /// <summary>Number of patterns seen.</summary>
    public long Count { get; private set; }

    /// <summary>Sum of the patterns.</summary>
    public double[] Sum { get; } = new double[pixels];

    /// <summary>Pixel-wise maximum.</summary>
    public double[] Max { get; } = Enumerable.Repeat(double.NegativeInfinity, (int)pixels).ToArray();

    /// <summary>Mean pattern (after <see cref="Complete"/>).</summary>
    public double[] Mean { get; } = new double[pixels];

    /// <summary>Pixel-wise standard deviation over the scan (population; after <see cref="Complete"/>).</summary>
    public double[] StandardDeviation { get; } = new double[pixels];

    /// <inheritdoc/>
    public IFrameReducer CreatePartial() => new PatternStatistics(Sum.LongLength);

    /// <inheritdoc/>
    public void Process(EmDataset dataset, long firstFrame, ReadOnlySpan<byte> frames)
    {
        int frameBytes = (int)dataset.FrameBytes;
        int n = frames.Length / frameBytes;
        var values = new double[Sum.Length];
        for (int f = 0; f < n; f++)
        {
            dataset.DType.ReadInto(frames.Slice(f * frameBytes, frameBytes), values);
            for (int i = 0; i < Sum.Length; i++)
            {
                double v = values[i];
                Sum[i] += v;
                _sumSquares[i] += v * v;
                if (v > Max[i])
                {
                    Max[i] = v;
                }
            }
        }

        Count += n;
    }

    /// <inheritdoc/>
    public void Merge(IFrameReducer other)
    {
        var o = (PatternStatistics)other;
        for (int i = 0; i < Sum.Length; i++)
        {
            Sum[i] += o.Sum[i];
            _sumSquares[i] += o._sumSquares[i];
            Max[i] = Math.Max(Max[i], o.Max[i]);
        }

        Count += o.Count;
    }

    /// <inheritdoc/>
    public void Complete(EmDataset dataset)
    {
        for (int i = 0; i < Sum.Length && Count > 0; i++)
        {
            Mean[i] = Sum[i] / Count;
            StandardDeviation[i] = Math.Sqrt(Math.Max(0, (_sumSquares[i] / Count) - (Mean[i] * Mean[i])));
        }
    }
}
