using Condenser.Data;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>
/// Centre of mass of every diffraction pattern, relative to a reference centre: the shift (y, x) in detector pixels
/// and the total intensity per scan position. Patterns with no intensity get NaN shifts.
/// </summary>
public sealed class CenterOfMass(long positions, double centerY, double centerX) : IFrameReducer
{
    private readonly bool[] _done = new bool[positions];

    /// <summary>Total intensity per scan position.</summary>
    public double[] Total { get; } = new double[positions];

    /// <summary>Shift of the centre of mass along detector y per scan position.</summary>
    /// <remarks>Units: detector pixels.</remarks>
    public double[] ShiftY { get; } = new double[positions];

    /// <summary>Shift along detector x per scan position.</summary>
    /// <remarks>Units: detector pixels.</remarks>
    public double[] ShiftX { get; } = new double[positions];

    /// <inheritdoc/>
    public IFrameReducer CreatePartial() => new CenterOfMass(Total.LongLength, centerY, centerX);

    /// <inheritdoc/>
    public void Process(EmDataset dataset, long firstFrame, ReadOnlySpan<byte> frames)
    {
        int frameBytes = (int)dataset.FrameBytes;
        int width = dataset.Shape.Signal[^1];
        int n = frames.Length / frameBytes;
        for (int f = 0; f < n; f++)
        {
            var (total, sy, sx) = FrameKernels.Moments(dataset.DType, frames.Slice(f * frameBytes, frameBytes), width);
            long i = firstFrame + f;
            _done[i] = true;
            Total[i] = total;
            ShiftY[i] = total != 0 ? (sy / total) - centerY : double.NaN;
            ShiftX[i] = total != 0 ? (sx / total) - centerX : double.NaN;
        }
    }

    /// <inheritdoc/>
    public void Merge(IFrameReducer other)
    {
        var o = (CenterOfMass)other;
        for (long i = 0; i < Total.LongLength; i++)
        {
            if (o._done[i])
            {
                _done[i] = true;
                Total[i] = o.Total[i];
                ShiftY[i] = o.ShiftY[i];
                ShiftX[i] = o.ShiftX[i];
            }
        }
    }

    /// <inheritdoc/>
    public void Complete(EmDataset dataset)
    {
    }
}
