using System.Buffers;

namespace Condenser.Processing.MapReduce;

/// <summary>
/// Reducers running over <see cref="PushedFrames"/> while frames arrive: per-position results fill in place and can be
/// read at any time; <see cref="Snapshot"/> merges the workers' partials so far. Completes when the source does.
/// </summary>
public sealed class LiveReduction
{
    private readonly IReadOnlyList<IFrameReducer> _reducers;
    private readonly ResultBuffers[] _shared;
    private readonly ResultBuffers[][] _partials;
    private readonly Lock[] _locks;
    private long _processed;

    private LiveReduction(PushedFrames source, IReadOnlyList<IFrameReducer> reducers, int workers, CancellationToken cancel)
    {
        _reducers = reducers;
        var layout = source.Layout;
        var declarations = reducers.Select(r => r.Buffers(layout)).ToArray();
        _shared = declarations.Select(d => ResultBuffers.Allocate(layout, d, null)).ToArray();
        _partials = Enumerable.Range(0, workers).Select(w => w == 0 ? _shared : declarations.Select((d, i) => ResultBuffers.Allocate(layout, d, _shared[i])).ToArray()).ToArray();
        _locks = Enumerable.Range(0, workers).Select(_ => new Lock()).ToArray();
        Completion = Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => Consume(source, w, cancel), cancel))).ContinueWith(t => Finish(t), TaskScheduler.Default);
    }

    /// <summary>Starts <paramref name="reducers"/> over <paramref name="source"/> on <paramref name="workers"/> consumers.</summary>
    public static LiveReduction Start(PushedFrames source, IReadOnlyList<IFrameReducer> reducers, int workers = 1, CancellationToken cancel = default)
        => new(source, reducers, Math.Max(1, workers), cancel);

    /// <summary>Completes with the merged, completed buffers of every reducer once the source has completed.</summary>
    public Task<IReadOnlyList<ResultBuffers>> Completion { get; }

    /// <summary>Frames processed so far.</summary>
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>The buffers of <paramref name="reducer"/> so far: per-position ones live, the others merged into a copy and completed.</summary>
    public ResultBuffers Snapshot(IFrameReducer reducer)
    {
        int i = _reducers.ToList().IndexOf(reducer);
        if (i < 0)
        {
            throw new ArgumentException("that reducer is not part of the run", nameof(reducer));
        }

        ResultBuffers merged;
        lock (_locks[0])
        {
            merged = _partials[0][i].CloneMergeable();
        }

        for (int w = 1; w < _partials.Length; w++)
        {
            lock (_locks[w])
            {
                merged.MergeFrom(_partials[w][i]);
                reducer.Merge(merged, _partials[w][i]);
            }
        }

        reducer.Complete(merged);
        return merged;
    }

    private async Task Consume(PushedFrames source, int worker, CancellationToken cancel)
    {
        var position = new long[1];
        await foreach (var (p, bytes) in source.Reader.ReadAllAsync(cancel).ConfigureAwait(false))
        {
            try
            {
                position[0] = p;
                lock (_locks[worker])
                {
                    for (int i = 0; i < _reducers.Count; i++)
                    {
                        FrameDispatch.Process(_reducers[i], source.Layout, bytes.AsSpan(0, source.Layout.FrameBytes), position, _partials[worker][i]);
                    }
                }

                Interlocked.Increment(ref _processed);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    private IReadOnlyList<ResultBuffers> Finish(Task consumers)
    {
        consumers.GetAwaiter().GetResult();
        for (int i = 0; i < _reducers.Count; i++)
        {
            for (int w = 1; w < _partials.Length; w++)
            {
                _shared[i].MergeFrom(_partials[w][i]);
                _reducers[i].Merge(_shared[i], _partials[w][i]);
            }

            _reducers[i].Complete(_shared[i]);
        }

        return _shared;
    }
}
