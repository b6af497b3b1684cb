using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Condenser.Processing.MapReduce;

/// <summary>
/// The one bounded pool of worker threads of a process: every pass (the CLI's, each HTTP request's, the catalogue's
/// ingest) borrows workers from it instead of starting threads of its own. The calling thread works too, so a run
/// always progresses, also when every pool thread is busy with other runs or when a run is started from a worker.
/// </summary>
public sealed class FrameScheduler
{
    private readonly BlockingCollection<WorkItem> _queue = new(new ConcurrentQueue<WorkItem>());

    /// <summary>Starts <paramref name="threads"/> background worker threads.</summary>
    public FrameScheduler(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        for (int i = 0; i < threads; i++)
        {
            new Thread(Work) { IsBackground = true, Name = $"condenser-worker-{i}" }.Start();
        }
    }

    /// <summary>The process's scheduler: one thread per core.</summary>
    public static FrameScheduler Shared { get; } = new(Environment.ProcessorCount);

    /// <summary>Worker threads of the pool.</summary>
    public int Threads { get; }

    /// <summary>
    /// Runs <paramref name="body"/> with slots 0..<paramref name="workers"/>−1 at once: slot 0 on the calling thread,
    /// the others on pool threads as they come free. A slot that has not started when slot 0 returns is dropped
    /// (its work, pulled from a shared counter, is done by then). Rethrows the first exception of any slot.
    /// </summary>
    public void Run(int workers, Action<int> body)
    {
        workers = Math.Clamp(workers, 1, Threads + 1);
        var items = new WorkItem[workers - 1];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = new WorkItem(body, i + 1);
            _queue.Add(items[i]);
        }

        Exception? failure = null;
        try
        {
            body(0);
        }
        catch (Exception e)
        {
            failure = e;
        }

        foreach (var item in items)
        {
            if (Interlocked.CompareExchange(ref item.State, WorkItem.Dropped, WorkItem.Pending) != WorkItem.Pending)
            {
                item.Done.Wait();
                failure ??= item.Failure;
            }

            item.Done.Dispose();
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    private void Work()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
        {
            if (Interlocked.CompareExchange(ref item.State, WorkItem.Started, WorkItem.Pending) != WorkItem.Pending)
            {
                continue;
            }

            try
            {
                item.Body(item.Slot);
            }
            catch (Exception e)
            {
                item.Failure = e;
            }
            finally
            {
                item.Done.Set();
            }
        }
    }

    private sealed class WorkItem(Action<int> body, int slot)
    {
        public const int Pending = 0, Started = 1, Dropped = 2;
        public int State;

        public Action<int> Body { get; } = body;

        public int Slot { get; } = slot;

        public ManualResetEventSlim Done { get; } = new();

        public Exception? Failure { get; set; }
    }
}
