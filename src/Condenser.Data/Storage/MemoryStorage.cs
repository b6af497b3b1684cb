namespace Condenser.Data.Storage;

/// <summary>An array held in managed memory.</summary>
public sealed class MemoryStorage(byte[] bytes) : ArrayStorage
{
    /// <summary>The bytes, C order, little-endian.</summary>
    public byte[] Bytes { get; } = bytes;

    /// <inheritdoc/>
    public override long ByteLength => Bytes.LongLength;

    /// <inheritdoc/>
    public override void Read(long byteOffset, Span<byte> destination)
    {
        CheckRange(byteOffset, destination.Length);
        Bytes.AsSpan(checked((int)byteOffset), destination.Length).CopyTo(destination);
    }

    /// <inheritdoc/>
    public override bool TryGetSpan(long byteOffset, int length, out ReadOnlySpan<byte> span)
    {
        CheckRange(byteOffset, length);
        span = Bytes.AsSpan(checked((int)byteOffset), length);
        return true;
    }
}
