namespace Condenser.Data.Storage;

/// <summary>
/// The bytes of an n-d array in C order, little-endian, however they are held: in memory, in a memory-mapped file,
/// in frames scattered through a file, in HDF5 chunks. Readers build one; processing reads through it.
/// </summary>
public abstract class ArrayStorage : IDisposable
{
    /// <summary>Total bytes of the array.</summary>
    public abstract long ByteLength { get; }

    /// <summary>Copies bytes <c>[byteOffset, byteOffset + destination.Length)</c> of the array into <paramref name="destination"/>.</summary>
    public abstract void Read(long byteOffset, Span<byte> destination);

    /// <summary>
    /// Gives the bytes without copying where they lie contiguous and in little-endian order in memory or a mapping.
    /// The span stays valid until the storage is disposed.
    /// </summary>
    public virtual bool TryGetSpan(long byteOffset, int length, out ReadOnlySpan<byte> span)
    {
        span = default;
        return false;
    }

    /// <summary>
    /// Copies bytes like <see cref="Read"/>, for a pass that reads the array once from start to end: storages in a
    /// file read them with read(2) into <paramref name="destination"/> rather than through page faults on a mapping.
    /// </summary>
    public virtual void ReadSequential(long byteOffset, Span<byte> destination) => Read(byteOffset, destination);

    /// <summary>Where the array lies when it is one contiguous, little-endian run of a file's bytes; null otherwise.</summary>
    public virtual FileExtent? Extent => null;

    /// <summary>
    /// Says the bytes <c>[byteOffset, byteOffset + length)</c> will not be read again soon: mapped storages drop their
    /// pages from the process (they stay in the page cache). Storages in memory ignore it.
    /// </summary>
    public virtual void Release(long byteOffset, long length)
    {
    }

    /// <summary>Throws when a range lies outside the array.</summary>
    protected void CheckRange(long byteOffset, long length)
    {
        if (byteOffset < 0 || length < 0 || byteOffset > ByteLength - length)
        {
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"bytes [{byteOffset}, {byteOffset + length}) lie outside the array of {ByteLength} bytes");
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases mappings and files.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>A contiguous run of a file's bytes that holds an array as it is (little-endian, uncompressed).</summary>
/// <param name="File">The file.</param>
/// <param name="Offset">Byte offset of the array's first element in the file.</param>
public sealed record FileExtent(MappedFile File, long Offset);
