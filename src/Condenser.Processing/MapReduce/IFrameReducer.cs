using Condenser.Data;

namespace Condenser.Processing.MapReduce;

/// <summary>
/// A reduction over the frames of a dataset (LiberTEM's user-defined function): it processes partitions of whole
/// frames, partial results from parallel workers merge, and <see cref="Complete"/> finishes the result.
/// </summary>
public interface IFrameReducer
{
    /// <summary>A fresh, empty partial of the same reduction (one per worker).</summary>
    IFrameReducer CreatePartial();

    /// <summary>Processes consecutive frames from <paramref name="firstFrame"/>; <paramref name="frames"/> holds whole frames.</summary>
    void Process(EmDataset dataset, long firstFrame, ReadOnlySpan<byte> frames);

    /// <summary>Adds another partial's results into this one.</summary>
    void Merge(IFrameReducer other);

    /// <summary>Called once on the merged result after every frame was processed.</summary>
    void Complete(EmDataset dataset);
}
