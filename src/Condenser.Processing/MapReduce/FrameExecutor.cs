using System.Buffers;
using Condenser.Data;

namespace Condenser.Processing.MapReduce;

/// <summary>
/// Runs reducers over a dataset: partitions of whole frames capped in bytes, read once and handed to every reducer
/// (one read, many results). Inline (one thread, for tests) or parallel (one partial per worker, merged at the end;
/// memory bounded by one partition buffer per worker).
/// </summary>
public static class FrameExecutor
{
    /// <summary>Default partition cap.</summary>
    public const long DefaultPartitionBytes = 16L << 20;

    /// <summary>Runs the reducers in one thread.</summary>
    public static void RunInline(EmDataset dataset, IReadOnlyList<IFrameReducer> reducers, long partitionBytes = DefaultPartitionBytes, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        dataset.ForEachPartition(partitionBytes, (first, bytes) =>
        {
            foreach (var r in reducers)
            {
                r.Process(dataset, first, bytes);
            }
        }, cancel, progress);
        foreach (var r in reducers)
        {
            r.Complete(dataset);
        }
    }

    /// <summary>Runs the reducers on <paramref name="workers"/> threads (default: all cores).</summary>
    public static void RunParallel(EmDataset dataset, IReadOnlyList<IFrameReducer> reducers, int workers = 0, long partitionBytes = DefaultPartitionBytes, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        workers = workers > 0 ? workers : Environment.ProcessorCount;
        int framesPer = dataset.FramesPerPartition(partitionBytes);
        long partitions = (dataset.FrameCount + framesPer - 1) / framesPer;
        if (workers == 1 || partitions <= 1)
        {
            RunInline(dataset, reducers, partitionBytes, progress, cancel);
            return;
        }

        long next = -1, done = 0;
        var partials = new IFrameReducer[workers][];
        var threads = new Thread[workers];
        Exception? failure = null;
        for (int w = 0; w < workers; w++)
        {
            int id = w;
            partials[id] = reducers.Select(r => r.CreatePartial()).ToArray();
            threads[w] = new Thread(() =>
            {
                byte[]? buffer = null;
                try
                {
                    long p;
                    while ((p = Interlocked.Increment(ref next)) < partitions && Volatile.Read(ref failure) is null)
                    {
                        cancel.ThrowIfCancellationRequested();
                        long first = p * framesPer;
                        int n = (int)Math.Min(framesPer, dataset.FrameCount - first);
                        var bytes = dataset.Frames(first, n, framesPer, ref buffer);
                        foreach (var r in partials[id])
                        {
                            r.Process(dataset, first, bytes);
                        }

                        if (dataset.Streams)
                        {
                            dataset.ReleaseFrames(first, n);
                        }

                        progress?.Report((double)Interlocked.Increment(ref done) / partitions);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
                finally
                {
                    if (buffer is not null)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            })
            { IsBackground = true, Name = $"condenser-worker-{w}" };
            threads[w].Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        for (int i = 0; i < reducers.Count; i++)
        {
            foreach (var worker in partials)
            {
                reducers[i].Merge(worker[i]);
            }

            reducers[i].Complete(dataset);
        }
    }
}
