using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>
/// Centre of mass of every diffraction pattern, relative to a reference centre: the shift (y, x) in detector pixels
/// and the total intensity per scan position. Patterns with no intensity get NaN shifts; positions a run did not
/// visit are NaN in every map.
/// </summary>
/// <param name="centerY">Reference centre row (detector pixels).</param>
/// <param name="centerX">Reference centre column (detector pixels).</param>
public sealed class CenterOfMass(double centerY, double centerX) : IFrameReducer
{
    /// <summary>Total intensity per scan position.</summary>
    public double[] Total { get; private set; } = [];

    /// <summary>Shift of the centre of mass along detector y per scan position.</summary>
    /// <remarks>Units: detector pixels.</remarks>
    public double[] ShiftY { get; private set; } = [];

    /// <summary>Shift along detector x per scan position.</summary>
    /// <remarks>Units: detector pixels.</remarks>
    public double[] ShiftX { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout)
        => [BufferDeclaration.PerPosition("total"), BufferDeclaration.PerPosition("shift y"), BufferDeclaration.PerPosition("shift x")];

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        double[] totals = results[0], shiftY = results[1], shiftX = results[2];
        int width = tile.Layout.Width;
        for (int f = 0; f < tile.Count; f++)
        {
            var (total, sy, sx) = FrameKernels.Moments(tile.Layout.DType, tile.FrameBytes(f), width);
            long i = tile.Positions[f];
            totals[i] = total;
            shiftY[i] = total != 0 ? (sy / total) - centerY : double.NaN;
            shiftX[i] = total != 0 ? (sx / total) - centerX : double.NaN;
        }
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results)
    {
        Total = results[0];
        ShiftY = results[1];
        ShiftX = results[2];
    }
}
