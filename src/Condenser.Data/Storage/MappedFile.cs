using System.IO.MemoryMappedFiles;

namespace Condenser.Data.Storage;

/// <summary>A whole file mapped read-only into memory; shared by the storages that read from it.</summary>
public sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _handle;
    private byte* _pointer;
    private int _references = 1;

    /// <summary>Maps <paramref name="path"/>; an empty file maps to nothing.</summary>
    public MappedFile(string path)
    {
        Path = path;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Length = RandomAccess.GetLength(_handle);
        if (Length == 0)
        {
            return;
        }

        // One handle serves the mapping (random access) and read(2) (sequential passes).
        _map = MemoryMappedFile.CreateFromFile(_handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
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

    /// <summary>
    /// Copies file bytes [offset, offset + destination.Length) with read(2) (<see cref="RandomAccess.Read(Microsoft.Win32.SafeHandles.SafeFileHandle, Span{byte}, long)"/>)
    /// instead of through the mapping: a sequential pass pays no page faults this way. Throws
    /// <see cref="EmFileException"/> when the range passes the end.
    /// </summary>
    public void Read(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset > Length - destination.Length)
        {
            throw new EmFileException(Path, offset, $"{destination.Length} bytes needed but the file ends at byte {Length}");
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _references) <= 0, this);
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(_handle!, destination, offset);
            if (n <= 0)
            {
                throw new EmFileException(Path, offset, $"the file ended while reading ({destination.Length} bytes short)");
            }

            destination = destination[n..];
            offset += n;
        }
    }

    /// <summary>
    /// Drops this process's mapping of the whole pages inside file bytes [offset, offset + length) (Linux
    /// madvise MADV_DONTNEED; the file's pages stay in the page cache and a later read maps them again), so a pass over
    /// a file larger than memory keeps its resident set to what it is working on. Does nothing elsewhere.
    /// </summary>
    public void Release(long offset, long length)
    {
        const long page = 4096;
        long start = (offset + page - 1) / page * page, end = Math.Min(Length, offset + length) / page * page;
        if (_pointer == null || end <= start || !OperatingSystem.IsLinux())
        {
            return;
        }

        // The mapping starts on a page boundary (the view is the whole file from offset 0).
        const int MadvDontNeed = 4;
        _ = Madvise((nint)(_pointer + start), (nuint)(end - start), MadvDontNeed);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(nint address, nuint length, int advice);

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
        _handle?.Dispose();
    }
}
