using Condenser.Data;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>The sum of every frame (the whole-detector virtual image): the plain reduction over the same bytes.</summary>
public sealed class FrameSums(long positions) : IFrameReducer
{
    /// <summary>Sum of each frame, by scan position (C order).</summary>
    public double[] Sums { get; } = new double[positions];

    /// <inheritdoc/>
    public IFrameReducer CreatePartial() => new FrameSums(Sums.LongLength);

    /// <inheritdoc/>
    public void Process(EmDataset dataset, long firstFrame, ReadOnlySpan<byte> frames)
    {
        int frameBytes = (int)dataset.FrameBytes;
        for (int f = 0; f < frames.Length / frameBytes; f++)
        {
            Sums[firstFrame + f] = FrameKernels.Sum(dataset.DType, frames.Slice(f * frameBytes, frameBytes));
        }
    }

    /// <inheritdoc/>
    public void Merge(IFrameReducer other)
    {
        var o = (FrameSums)other;
        for (long i = 0; i < Sums.LongLength; i++)
        {
            Sums[i] += o.Sums[i];
        }
    }

    /// <inheritdoc/>
    public void Complete(EmDataset dataset)
    {
    }
}
