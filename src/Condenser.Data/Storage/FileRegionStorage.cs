namespace Condenser.Data.Storage;

/// <summary>
/// An array stored contiguously in a memory-mapped file, from <c>offset</c> on, optionally big-endian.
/// Little-endian data is read without copying (<see cref="TryGetSpan"/>).
/// </summary>
public sealed class FileRegionStorage : ArrayStorage
{
    private readonly MappedFile _file;
    private readonly long _offset;
    private readonly int _swapUnit;

    /// <summary>Creates the storage; throws <see cref="EmFileException"/> when the region passes the end of the file.</summary>
    /// <param name="file">The mapped file; this storage takes its own reference.</param>
    /// <param name="offset">Byte offset of element 0.</param>
    /// <param name="byteLength">Bytes of the array.</param>
    /// <param name="swapUnit">Size of the scalars to byte-swap for big-endian data; 1 for none.</param>
    public FileRegionStorage(MappedFile file, long offset, long byteLength, int swapUnit = 1)
    {
        if (offset < 0 || byteLength < 0 || offset > file.Length - byteLength)
        {
            throw new EmFileException(file.Path, offset, $"the data needs {byteLength} bytes from byte {offset} but the file has {file.Length}");
        }

        _file = file.AddReference();
        _offset = offset;
        ByteLength = byteLength;
        _swapUnit = swapUnit;
    }

    /// <inheritdoc/>
    public override long ByteLength { get; }

    /// <inheritdoc/>
    public override void Read(long byteOffset, Span<byte> destination)
    {
        CheckRange(byteOffset, destination.Length);
        _file.Span(_offset + byteOffset, destination.Length).CopyTo(destination);
        ByteOrder.SwapInPlace(destination, _swapUnit);
    }

    /// <inheritdoc/>
    public override void ReadSequential(long byteOffset, Span<byte> destination)
    {
        CheckRange(byteOffset, destination.Length);
        _file.Read(_offset + byteOffset, destination);
        ByteOrder.SwapInPlace(destination, _swapUnit);
    }

    /// <inheritdoc/>
    public override FileExtent? Extent => _swapUnit == 1 ? new FileExtent(_file, _offset) : null;

    /// <inheritdoc/>
    public override void Release(long byteOffset, long length)
    {
        CheckRange(byteOffset, length);
        _file.Release(_offset + byteOffset, length);
    }

    /// <inheritdoc/>
    public override bool TryGetSpan(long byteOffset, int length, out ReadOnlySpan<byte> span)
    {
        CheckRange(byteOffset, length);
        if (_swapUnit != 1)
        {
            span = default;
            return false;
        }

        span = _file.Span(_offset + byteOffset, length);
        return true;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing) => _file.Dispose();
}
