namespace Condenser.Data.Storage;

/// <summary>
/// An array whose frames lie apart in a memory-mapped file (each frame after its own header, or where an offset table
/// points), each frame contiguous, optionally big-endian, optionally decoded (packed bits, chip reordering).
/// </summary>
public sealed class FramedFileStorage : ArrayStorage
{
    private readonly MappedFile _file;
    private readonly Func<long, long> _frameOffset;
    private readonly int _swapUnit;
    private readonly FrameDecoder? _decode;
    private readonly int _storedFrameBytes;

    /// <summary>Turns one frame as stored into its C-order little-endian bytes.</summary>
    public delegate void FrameDecoder(ReadOnlySpan<byte> stored, Span<byte> frame);

    /// <summary>Creates the storage; throws <see cref="EmFileException"/> when any frame passes the end of the file.</summary>
    /// <param name="file">The mapped file; this storage takes its own reference.</param>
    /// <param name="frameCount">Number of frames.</param>
    /// <param name="frameBytes">Bytes of one decoded frame.</param>
    /// <param name="frameOffset">Byte offset in the file of frame i as stored.</param>
    /// <param name="swapUnit">Scalar size to byte-swap (1: none) for frames copied as stored; a decoder swaps itself.</param>
    /// <param name="decode">Optional decoder; then <paramref name="storedFrameBytes"/> gives the stored size.</param>
    /// <param name="storedFrameBytes">Bytes of one stored frame when a decoder is given.</param>
    public FramedFileStorage(MappedFile file, long frameCount, int frameBytes, Func<long, long> frameOffset, int swapUnit = 1, FrameDecoder? decode = null, int storedFrameBytes = -1)
    {
        _file = file;
        FrameCount = frameCount;
        FrameBytes = frameBytes;
        _frameOffset = frameOffset;
        _swapUnit = swapUnit;
        _decode = decode;
        _storedFrameBytes = decode is null ? frameBytes : storedFrameBytes;
        ByteLength = checked(frameCount * frameBytes);
        for (long i = 0; i < frameCount; i++)
        {
            long o = frameOffset(i);
            if (o < 0 || o > file.Length - _storedFrameBytes)
            {
                throw new EmFileException(file.Path, o, $"frame {i} of {frameCount} needs {_storedFrameBytes} bytes from byte {o} but the file has {file.Length}");
            }
        }

        file.AddReference();
    }

    /// <summary>Number of frames.</summary>
    public long FrameCount { get; }

    /// <summary>Bytes of one frame.</summary>
    public int FrameBytes { get; }

    /// <inheritdoc/>
    public override long ByteLength { get; }

    /// <inheritdoc/>
    public override void Read(long byteOffset, Span<byte> destination)
    {
        CheckRange(byteOffset, destination.Length);
        byte[]? scratch = null;
        while (!destination.IsEmpty)
            {
                long frame = byteOffset / FrameBytes;
                int within = (int)(byteOffset % FrameBytes);
                int n = Math.Min(destination.Length, FrameBytes - within);
                var stored = _file.Span(_frameOffset(frame), _storedFrameBytes);
                if (_decode is null)
                {
                    stored.Slice(within, n).CopyTo(destination);
                }
                else if (within == 0 && n == FrameBytes)
                {
                    _decode(stored, destination[..n]);
                }
                else
                {
                    scratch ??= new byte[FrameBytes];
                    _decode(stored, scratch);
                    scratch.AsSpan(within, n).CopyTo(destination);
                }

                if (_decode is null)
                {
                    ByteOrder.SwapInPlace(destination[..n], _swapUnit);
                }

                destination = destination[n..];
                byteOffset += n;
            }
    }

    /// <inheritdoc/>
    public override void ReadSequential(long byteOffset, Span<byte> destination)
    {
        if (_decode is not null)
        {
            Read(byteOffset, destination);
            return;
        }

        CheckRange(byteOffset, destination.Length);
        while (!destination.IsEmpty)
        {
            long frame = byteOffset / FrameBytes;
            int within = (int)(byteOffset % FrameBytes);
            int n = Math.Min(destination.Length, FrameBytes - within);
            _file.Read(_frameOffset(frame) + within, destination[..n]);
            ByteOrder.SwapInPlace(destination[..n], _swapUnit);
            destination = destination[n..];
            byteOffset += n;
        }
    }

    /// <inheritdoc/>
    public override void Release(long byteOffset, long length)
    {
        CheckRange(byteOffset, length);
        if (length == 0)
        {
            return;
        }

        // From the first frame's start to the last's end: frames lie in order in the framed formats here, and should a
        // table place another frame inside the range, releasing it costs only a later page fault.
        long first = byteOffset / FrameBytes, last = (byteOffset + length - 1) / FrameBytes;
        long start = _frameOffset(first), end = _frameOffset(last) + _storedFrameBytes;
        if (end > start)
        {
            _file.Release(start, end - start);
        }
    }

    /// <inheritdoc/>
    public override bool TryGetSpan(long byteOffset, int length, out ReadOnlySpan<byte> span)
    {
        CheckRange(byteOffset, length);
        span = default;
        if (_swapUnit != 1 || _decode is not null || length == 0)
        {
            return false;
        }

        long frame = byteOffset / FrameBytes;
        int within = (int)(byteOffset % FrameBytes);
        if (within + length > FrameBytes)
        {
            return false;
        }

        span = _file.Span(_frameOffset(frame) + within, length);
        return true;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing) => _file.Dispose();
}
