using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>The mean diffraction pattern over the positions visited (the sum divided by the number of patterns).</summary>
public sealed class MeanPattern : IFrameReducer
{
    /// <summary>The mean pattern, row-major (after the run).</summary>
    public double[] Pattern { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) => [BufferDeclaration.PerSignalPixel("sum"), BufferDeclaration.Single("count")];

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        var sum = results[0];
        for (int f = 0; f < tile.Count; f++)
        {
            tile.Layout.DType.AddTo(tile.FrameBytes(f), sum);
        }

        results[1][0] += tile.Count;
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results)
    {
        double n = results[1][0];
        Pattern = results[0].Select(v => n > 0 ? v / n : 0).ToArray();
    }
}
