using System.IO.MemoryMappedFiles;

namespace Condenser.Data.Storage;

/// <summary>A whole file mapped read-only into memory; shared by the storages that read from it.</summary>
public sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _pointer;
    private int _references = 1;

    /// <summary>Maps <paramref name="path"/>; an empty file maps to nothing.</summary>
    public MappedFile(string path)
    {
        Path = path;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Length = stream.Length;
        if (Length == 0)
        {
            return;
        }

        _map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _pointer = p + _view.PointerOffset;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>File size in bytes.</summary>
    public long Length { get; }

    /// <summary>Bytes of the file; throws <see cref="EmFileException"/> when the range passes the end.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Length - length)
        {
            throw new EmFileException(Path, offset, $"{length} bytes needed but the file ends at byte {Length}");
        }

        ObjectDisposedException.ThrowIf(_pointer == null && Length > 0, this);
        return new ReadOnlySpan<byte>(_pointer + offset, length);
    }

    /// <summary>Takes one more reference; the mapping closes when every holder has disposed.</summary>
    public MappedFile AddReference()
    {
        Interlocked.Increment(ref _references);
        return this;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        if (_pointer != null)
        {
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
            _pointer = null;
        }

        _view?.Dispose();
        _map?.Dispose();
    }
}
