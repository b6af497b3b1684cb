namespace Condenser.Processing.MapReduce;

/// <summary>Where a reducer's result buffer lives and how partial results of parallel workers combine.</summary>
public enum BufferKind
{
    /// <summary>
    /// <see cref="BufferDeclaration.Width"/> values per navigation (scan) position, C order. One array for the whole
    /// run: each position is written by the one worker that processes it, in place, so nothing is merged; positions
    /// that a run does not visit keep <see cref="BufferDeclaration.Initial"/>.
    /// </summary>
    PerPosition,

    /// <summary><see cref="BufferDeclaration.Width"/> values per signal pixel (a pattern, a spectrum); one per worker, merged.</summary>
    PerSignalPixel,

    /// <summary><see cref="BufferDeclaration.Width"/> values for the whole run; one per worker, merged.</summary>
    Single,
}

/// <summary>How the partial buffers of two workers combine (per-signal-pixel and single buffers).</summary>
public enum BufferMerge
{
    /// <summary>Element-wise sum (counts, sums, sums of squares).</summary>
    Sum,

    /// <summary>Element-wise maximum.</summary>
    Max,

    /// <summary>Element-wise minimum.</summary>
    Min,

    /// <summary>The reducer's own <see cref="IFrameReducer.Merge"/> combines it.</summary>
    Custom,
}

/// <summary>One result buffer a reducer asks for: the executor allocates, slices and merges it.</summary>
/// <param name="Name">Name, unique within the reducer.</param>
/// <param name="Kind">Per position, per signal pixel or one for the run.</param>
/// <param name="ElementType">Element type of the array (<see cref="double"/> unless given).</param>
/// <param name="Width">Values per position, per pixel, or in all.</param>
/// <param name="Merge">How two workers' partials combine (<see cref="BufferMerge.Sum"/>, max, min: double buffers only).</param>
/// <param name="Initial">Initial value of every element of a double buffer (per-position buffers: NaN marks a position not visited).</param>
public sealed record BufferDeclaration(string Name, BufferKind Kind, Type ElementType, int Width = 1, BufferMerge Merge = BufferMerge.Sum, double Initial = 0)
{
    /// <summary>Doubles per scan position; positions not visited stay NaN.</summary>
    public static BufferDeclaration PerPosition(string name, int width = 1) => new(name, BufferKind.PerPosition, typeof(double), width, BufferMerge.Sum, double.NaN);

    /// <summary>Objects of type <typeparamref name="T"/> per scan position (null where not visited).</summary>
    public static BufferDeclaration PerPosition<T>(string name) => new(name, BufferKind.PerPosition, typeof(T));

    /// <summary>Doubles per signal pixel, merged by <paramref name="merge"/>.</summary>
    public static BufferDeclaration PerSignalPixel(string name, BufferMerge merge = BufferMerge.Sum, int width = 1)
        => new(name, BufferKind.PerSignalPixel, typeof(double), width, merge, merge switch { BufferMerge.Max => double.NegativeInfinity, BufferMerge.Min => double.PositiveInfinity, _ => 0 });

    /// <summary><paramref name="width"/> doubles for the whole run, merged by <paramref name="merge"/>.</summary>
    public static BufferDeclaration Single(string name, int width = 1, BufferMerge merge = BufferMerge.Sum) => new(name, BufferKind.Single, typeof(double), width, merge);
}

/// <summary>
/// The result buffers of one reducer in one run: the shared per-position arrays and one worker's per-pixel and
/// single partials (or, after the run, the merged ones). A reducer reads them by name or by declaration index.
/// </summary>
public sealed class ResultBuffers
{
    private readonly Array[] _arrays;

    internal ResultBuffers(FrameLayout layout, IReadOnlyList<BufferDeclaration> declarations, Array[] arrays)
    {
        Layout = layout;
        Declarations = declarations;
        _arrays = arrays;
    }

    /// <summary>Allocates the buffers of <paramref name="declarations"/>; per-position arrays come from <paramref name="shared"/> when given.</summary>
    internal static ResultBuffers Allocate(FrameLayout layout, IReadOnlyList<BufferDeclaration> declarations, ResultBuffers? shared)
    {
        var arrays = new Array[declarations.Count];
        for (int i = 0; i < arrays.Length; i++)
        {
            var d = declarations[i];
            if (d.Kind == BufferKind.PerPosition && shared is not null)
            {
                arrays[i] = shared._arrays[i];
                continue;
            }

            long length = checked(d.Width * d.Kind switch
            {
                BufferKind.PerPosition => layout.PositionCount,
                BufferKind.PerSignalPixel => layout.SignalLength,
                _ => 1L,
            });
            var array = Array.CreateInstance(d.ElementType, length);
            if (array is double[] values && d.Initial != 0)
            {
                Array.Fill(values, d.Initial);
            }

            arrays[i] = array;
        }

        return new ResultBuffers(layout, declarations, arrays);
    }

    /// <summary>What the frames look like.</summary>
    public FrameLayout Layout { get; }

    /// <summary>The reducer's declarations, in order.</summary>
    public IReadOnlyList<BufferDeclaration> Declarations { get; }

    /// <summary>A worker's own scratch state (buffers reused between tiles), set by the reducer on first use.</summary>
    public object? WorkerState { get; set; }

    /// <summary>The buffer declared at <paramref name="index"/>.</summary>
    public T[] Get<T>(int index) => (T[])_arrays[index];

    /// <summary>The buffer named <paramref name="name"/>.</summary>
    public T[] Get<T>(string name)
    {
        for (int i = 0; i < Declarations.Count; i++)
        {
            if (Declarations[i].Name == name)
            {
                return (T[])_arrays[i];
            }
        }

        throw new KeyNotFoundException($"no result buffer '{name}'");
    }

    /// <summary>The double buffer declared at <paramref name="index"/>.</summary>
    public double[] this[int index] => (double[])_arrays[index];

    /// <summary>The double buffer named <paramref name="name"/>.</summary>
    public double[] this[string name] => Get<double>(name);

    /// <summary>Combines another worker's partials into these by each declaration's rule (custom ones are the reducer's).</summary>
    internal void MergeFrom(ResultBuffers other)
    {
        for (int i = 0; i < _arrays.Length; i++)
        {
            var d = Declarations[i];
            if (d.Kind == BufferKind.PerPosition || d.Merge == BufferMerge.Custom || ReferenceEquals(_arrays[i], other._arrays[i]))
            {
                continue;
            }

            var mine = (double[])_arrays[i];
            var theirs = (double[])other._arrays[i];
            switch (d.Merge)
            {
                case BufferMerge.Sum:
                    System.Numerics.Tensors.TensorPrimitives.Add(mine, theirs, mine);
                    break;
                case BufferMerge.Max:
                    System.Numerics.Tensors.TensorPrimitives.Max(mine, theirs, mine);
                    break;
                case BufferMerge.Min:
                    System.Numerics.Tensors.TensorPrimitives.Min(mine, theirs, mine);
                    break;
            }
        }
    }

    /// <summary>A copy of the per-pixel and single partials (per-position arrays stay shared), for merging snapshots of a live run.</summary>
    internal ResultBuffers CloneMergeable()
    {
        var arrays = new Array[_arrays.Length];
        for (int i = 0; i < arrays.Length; i++)
        {
            arrays[i] = Declarations[i].Kind == BufferKind.PerPosition ? _arrays[i] : (Array)_arrays[i].Clone();
        }

        return new ResultBuffers(Layout, Declarations, arrays);
    }
}
