namespace Condenser.Processing.MapReduce;

/// <summary>
/// A reduction over frames (LiberTEM's user-defined function): it declares its result buffers by kind (per scan
/// position, per signal pixel, one for all), processes tiles of whole frames at given positions, and completes. The
/// executor allocates, slices and merges the buffers; one reducer instance serves every worker, so per-worker state
/// goes into <see cref="ResultBuffers.WorkerState"/>, never into fields.
/// </summary>
public interface IFrameReducer
{
    /// <summary>The result buffers this reducer needs for frames of <paramref name="layout"/>.</summary>
    IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout);

    /// <summary>Processes one tile; writes per-position results at <c>tile.Positions</c> and adds to its partials.</summary>
    void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged;

    /// <summary>Combines the <see cref="BufferMerge.Custom"/> buffers of <paramref name="other"/> into <paramref name="into"/>.</summary>
    void Merge(ResultBuffers into, ResultBuffers other)
    {
    }

    /// <summary>Called once on the merged buffers after every frame was processed (and on each snapshot of a live run).</summary>
    void Complete(ResultBuffers results)
    {
    }
}
