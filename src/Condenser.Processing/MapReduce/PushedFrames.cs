using System.Buffers;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Condenser.Processing.MapReduce;

/// <summary>
/// A frame source that frames are pushed into as they are acquired (a detector, the digital twin): bounded, so a
/// producer that outruns the reducers waits instead of filling memory. Positions may come in any order, each once.
/// </summary>
public sealed class PushedFrames
{
    private readonly Channel<(long Position, byte[] Bytes)> _channel;
    private readonly bool[] _seen;

    /// <summary>A source of frames of <paramref name="layout"/>, holding at most <paramref name="capacity"/> unprocessed frames.</summary>
    public PushedFrames(FrameLayout layout, int capacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Layout = layout;
        _seen = new bool[layout.PositionCount];
        _channel = Channel.CreateBounded<(long, byte[])>(new BoundedChannelOptions(capacity) { SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>What the frames look like.</summary>
    public FrameLayout Layout { get; }

    /// <summary>Frames pushed so far.</summary>
    public long Pushed { get; private set; }

    internal ChannelReader<(long Position, byte[] Bytes)> Reader => _channel.Reader;

    /// <summary>Pushes the frame acquired at scan position <paramref name="position"/>; waits while the source is full.</summary>
    public async ValueTask PushAsync<T>(long position, ReadOnlyMemory<T> frame, CancellationToken cancel = default)
        where T : unmanaged
    {
        var copy = Claim(position, MemoryMarshal.AsBytes(frame.Span));
        await _channel.Writer.WriteAsync((position, copy), cancel).ConfigureAwait(false);
    }

    /// <summary>Pushes a frame, blocking the calling thread while the source is full.</summary>
    public void Push<T>(long position, ReadOnlySpan<T> frame)
        where T : unmanaged
    {
        var copy = Claim(position, MemoryMarshal.AsBytes(frame));
        if (!_channel.Writer.TryWrite((position, copy)))
        {
            _channel.Writer.WriteAsync((position, copy)).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Pushes a frame held in <paramref name="pooled"/>, a buffer rented from <see cref="ArrayPool{T}.Shared"/> whose
    /// first <see cref="FrameLayout.FrameBytes"/> bytes are the frame: the source takes it over (no copy) and returns it
    /// to the pool once the frame is processed. Waits while the source is full.
    /// </summary>
    public async ValueTask PushPooledAsync(long position, byte[] pooled, CancellationToken cancel = default)
    {
        if (pooled.Length < Layout.FrameBytes)
        {
            throw new ArgumentException($"a frame of {Layout.FrameBytes} bytes was expected, the buffer holds {pooled.Length}", nameof(pooled));
        }

        MarkSeen(position);
        await _channel.Writer.WriteAsync((position, pooled), cancel).ConfigureAwait(false);
    }

    /// <summary>Checks the frame and its position, marks the position seen and copies the frame into a pooled buffer.</summary>
    private byte[] Claim(long position, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Layout.FrameBytes)
        {
            throw new ArgumentException($"a frame of {Layout.FrameBytes} bytes was expected, {bytes.Length} were pushed", nameof(bytes));
        }

        MarkSeen(position);
        var copy = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(copy);
        return copy;
    }

    private void MarkSeen(long position)
    {
        lock (_seen)
        {
            if (position < 0 || position >= _seen.LongLength)
            {
                throw new ArgumentOutOfRangeException(nameof(position), $"scan position {position} is outside 0..{_seen.LongLength - 1}");
            }

            if (_seen[position])
            {
                throw new ArgumentException($"scan position {position} was pushed twice", nameof(position));
            }

            _seen[position] = true;
            Pushed++;
        }
    }

    /// <summary>
    /// The frames as they arrive, for a consumer other than <see cref="LiveReduction"/> (a network stream, a file):
    /// each frame's bytes are valid until the enumeration moves on. Ends when the source completes.
    /// </summary>
    public async IAsyncEnumerable<(long Position, ReadOnlyMemory<byte> Frame)> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        await foreach (var (p, bytes) in _channel.Reader.ReadAllAsync(cancel).ConfigureAwait(false))
        {
            try
            {
                yield return (p, bytes.AsMemory(0, Layout.FrameBytes));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    /// <summary>Says no more frames will come; a live run completes once it has processed those pushed.</summary>
    public void Complete(Exception? failure = null) => _channel.Writer.TryComplete(failure);
}
