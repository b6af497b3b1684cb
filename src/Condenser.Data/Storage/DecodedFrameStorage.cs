namespace Condenser.Data.Storage;

/// <summary>
/// An array whose frames must be decoded (compressed TIFF pages, HDF5 chunks, per-frame gathers): a decoder fills one
/// frame at a time; the most recent frame is cached so that partial reads of it stay cheap.
/// </summary>
public sealed class DecodedFrameStorage : ArrayStorage
{
    private readonly Action<long, Span<byte>> _decode;
    private readonly IDisposable? _owner;
    private readonly Lock _gate = new();
    private byte[]? _cached;
    private long _cachedFrame = -1;

    /// <summary>Creates the storage.</summary>
    /// <param name="frameCount">Number of frames.</param>
    /// <param name="frameBytes">Bytes of one decoded frame (C order, little-endian).</param>
    /// <param name="decode">Fills frame i into the span.</param>
    /// <param name="owner">Released with the storage (the open file handle).</param>
    public DecodedFrameStorage(long frameCount, long frameBytes, Action<long, Span<byte>> decode, IDisposable? owner = null)
    {
        FrameCount = frameCount;
        FrameBytes = frameBytes;
        ByteLength = checked(frameCount * frameBytes);
        _decode = decode;
        _owner = owner;
    }

    /// <summary>Number of frames.</summary>
    public long FrameCount { get; }

    /// <summary>Bytes of one frame.</summary>
    public long FrameBytes { get; }

    /// <inheritdoc/>
    public override long ByteLength { get; }

    /// <inheritdoc/>
    public override void Read(long byteOffset, Span<byte> destination)
    {
        CheckRange(byteOffset, destination.Length);
        lock (_gate)
        {
            while (!destination.IsEmpty)
            {
                long frame = byteOffset / FrameBytes;
                int within = (int)(byteOffset % FrameBytes);
                int n = (int)Math.Min(destination.Length, FrameBytes - within);
                if (within == 0 && n == FrameBytes)
                {
                    _decode(frame, destination[..n]);
                }
                else
                {
                    if (_cachedFrame != frame)
                    {
                        _cached ??= new byte[FrameBytes];
                        _decode(frame, _cached);
                        _cachedFrame = frame;
                    }

                    _cached.AsSpan(within, n).CopyTo(destination);
                }

                destination = destination[n..];
                byteOffset += n;
            }
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing) => _owner?.Dispose();
}
