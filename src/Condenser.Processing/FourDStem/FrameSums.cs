using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>The sum of every frame (the whole-detector virtual image): the plain reduction over the same bytes.</summary>
public sealed class FrameSums : IFrameReducer
{
    /// <summary>Sum of each frame, by scan position (C order).</summary>
    public double[] Sums { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) => [BufferDeclaration.PerPosition("sum")];

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        var sums = results[0];
        for (int f = 0; f < tile.Count; f++)
        {
            sums[tile.Positions[f]] = FrameKernels.Sum(tile.Layout.DType, tile.FrameBytes(f));
        }
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results) => Sums = results[0];
}
