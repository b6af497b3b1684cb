using Condenser.Data;

namespace Condenser.Processing.MapReduce;

/// <summary>What the frames of a run look like: element type, navigation (scan) shape and signal (frame) shape.</summary>
/// <param name="DType">Element type of the stored values.</param>
/// <param name="Navigation">Navigation shape, C order (empty for a single frame).</param>
/// <param name="Signal">Signal shape of one frame, C order.</param>
public sealed record FrameLayout(DType DType, int[] Navigation, int[] Signal)
{
    /// <summary>The layout of a dataset's frames.</summary>
    public static FrameLayout Of(EmDataset dataset) => new(dataset.DType, dataset.Shape.Navigation.ToArray(), dataset.Shape.Signal.ToArray());

    /// <summary>Number of navigation positions (1 when there is no navigation axis).</summary>
    public long PositionCount => Navigation.Aggregate(1L, (a, b) => a * b);

    /// <summary>Elements of one frame.</summary>
    public int SignalLength => checked(Signal.Aggregate(1, (a, b) => a * b));

    /// <summary>Bytes of one frame.</summary>
    /// <remarks>Units: bytes.</remarks>
    public int FrameBytes => checked(SignalLength * DType.Size());

    /// <summary>Frame height for 2-d frames (rows).</summary>
    public int Height => Signal.Length >= 2 ? Signal[^2] : 1;

    /// <summary>Frame width (the fastest axis).</summary>
    public int Width => Signal.Length >= 1 ? Signal[^1] : 1;
}
