using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>The mean diffraction pattern over the scan (the sum divided by the number of patterns).</summary>
public sealed class MeanPattern(long pixels) : IFrameReducer
{
    private long _frames;

    /// <summary>The pattern, row-major; the mean after <see cref="Complete"/>.</summary>
    public double[] Pattern { get; } = new double[pixels];

    /// <inheritdoc/>
    public IFrameReducer CreatePartial() => new MeanPattern(Pattern.LongLength);

    /// <inheritdoc/>
    public void Process(EmDataset dataset, long firstFrame, ReadOnlySpan<byte> frames)
    {
        int frameBytes = (int)dataset.FrameBytes;
        int n = frames.Length / frameBytes;
        for (int f = 0; f < n; f++)
        {
            dataset.DType.AddTo(frames.Slice(f * frameBytes, frameBytes), Pattern);
        }

        _frames += n;
    }

    /// <inheritdoc/>
    public void Merge(IFrameReducer other)
    {
        var o = (MeanPattern)other;
        for (int i = 0; i < Pattern.Length; i++)
        {
            Pattern[i] += o.Pattern[i];
        }

        _frames += o._frames;
    }

    /// <inheritdoc/>
    public void Complete(EmDataset dataset)
    {
        if (_frames > 0)
        {
            for (int i = 0; i < Pattern.Length; i++)
            {
                Pattern[i] /= _frames;
            }
        }
    }
}
