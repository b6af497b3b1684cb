using Condenser.Data.Identity;

namespace Condenser.Processing.MapReduce;

/// <summary>How a sequential pass reads a file.</summary>
public enum IoPath
{
    /// <summary>read(2) into pooled, page-aligned per-worker buffers where the storage lies in a file; else as the storage reads.</summary>
    Auto,

    /// <summary>read(2) into per-worker buffers (no page faults: the faster path for one pass over a file on the machines here).</summary>
    Read,

    /// <summary>Frames straight from the memory mapping without copying (the faster path while a process keeps the file mapped).</summary>
    Mapped,
}

/// <summary>The settings of one run of reducers.</summary>
public sealed record ReductionOptions
{
    /// <summary>The positions to visit (default: the whole scan).</summary>
    public ScanPositions? Positions { get; init; }

    /// <summary>Workers (default 0: one per core of the scheduler, plus the calling thread's share).</summary>
    public int Workers { get; init; }

    /// <summary>Cap of one partition read at once (default: <see cref="FrameExecutor.ReadPartitionBytes"/> for the read path, <see cref="FrameExecutor.DefaultPartitionBytes"/> over a mapping).</summary>
    /// <remarks>Units: bytes.</remarks>
    public long? PartitionBytes { get; init; }

    /// <summary>How a file is read.</summary>
    public IoPath Io { get; init; } = IoPath.Auto;

    /// <summary>Progress from 0 to 1.</summary>
    public IProgress<double>? Progress { get; init; }

    /// <summary>Cancellation.</summary>
    public CancellationToken Cancel { get; init; }

    /// <summary>
    /// A tree hash of the input file to fill while reading: where the dataset is one contiguous run of the file and
    /// the whole scan is read, the pass hashes every leaf it reads (and the header and trailer leaves), so the input's
    /// identity costs no pass of its own. Leaves it could not hash stay for <see cref="FileTreeHash.Fill"/>.
    /// </summary>
    public FileTreeHash? Hash { get; init; }

    /// <summary>The scheduler (default: the process's shared one).</summary>
    public FrameScheduler? Scheduler { get; init; }
}

/// <summary>The outcome of a run: each reducer's merged buffers and what the pass did.</summary>
public sealed class Reduction
{
    private readonly IReadOnlyList<IFrameReducer> _reducers;

    internal Reduction(IReadOnlyList<IFrameReducer> reducers, ResultBuffers[] results, double seconds, long bytesRead, IoPath io, bool hashedInPass)
    {
        _reducers = reducers;
        Results = results;
        Seconds = seconds;
        BytesRead = bytesRead;
        Io = io;
        HashedInPass = hashedInPass;
    }

    /// <summary>Merged buffers, in the order of the reducers.</summary>
    public IReadOnlyList<ResultBuffers> Results { get; }

    /// <summary>The buffers of <paramref name="reducer"/>.</summary>
    public ResultBuffers this[IFrameReducer reducer] => Results[IndexOf(reducer)];

    /// <summary>Wall time of the pass.</summary>
    /// <remarks>Units: seconds.</remarks>
    public double Seconds { get; }

    /// <summary>Bytes of frames handed to the reducers.</summary>
    /// <remarks>Units: bytes.</remarks>
    public long BytesRead { get; }

    /// <summary>The I/O path taken.</summary>
    public IoPath Io { get; }

    /// <summary>True when the pass filled the input's tree hash.</summary>
    public bool HashedInPass { get; }

    private int IndexOf(IFrameReducer reducer)
    {
        for (int i = 0; i < _reducers.Count; i++)
        {
            if (ReferenceEquals(_reducers[i], reducer))
            {
                return i;
            }
        }

        throw new ArgumentException("that reducer was not part of the run", nameof(reducer));
    }
}
