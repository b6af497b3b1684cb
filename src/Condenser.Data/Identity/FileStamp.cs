using System.Runtime.InteropServices;

namespace Condenser.Data.Identity;

/// <summary>
/// What tells one version of a file from another without reading it: device, inode, size, modification and
/// status-change times (statx(2) on Linux; elsewhere the full path, size and modification time).
/// </summary>
/// <param name="Key">The stamp as one string (a cache key).</param>
/// <param name="Length">File size.</param>
/// <param name="Modified">Last modification time (UTC).</param>
public sealed record FileStamp(string Key, long Length, DateTime Modified)
{
    /// <summary>Stamps <paramref name="path"/>; throws <see cref="FileNotFoundException"/> when it does not exist.</summary>
    public static FileStamp Of(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        if (OperatingSystem.IsLinux() && TryStatx(full, out var key))
        {
            return new FileStamp(key, info.Length, info.LastWriteTimeUtc);
        }

        return new FileStamp($"{full}|{info.Length}|{info.LastWriteTimeUtc.Ticks}", info.Length, info.LastWriteTimeUtc);
    }

    // struct statx is the same on every Linux architecture: 256 bytes, fields at fixed offsets.
    private static unsafe bool TryStatx(string path, out string key)
    {
        key = string.Empty;
        var buffer = stackalloc byte[256];
        const int AtFdCwd = -100, StatxBasicStats = 0x7ff;
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
            {
                return false;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }

        ulong ino = *(ulong*)(buffer + 32), size = *(ulong*)(buffer + 40);
        long ctimeS = *(long*)(buffer + 96), mtimeS = *(long*)(buffer + 112);
        uint ctimeNs = *(uint*)(buffer + 104), mtimeNs = *(uint*)(buffer + 120);
        uint devMajor = *(uint*)(buffer + 136), devMinor = *(uint*)(buffer + 140);
        key = $"{devMajor}:{devMinor}|{ino}|{size}|{mtimeS}.{mtimeNs:D9}|{ctimeS}.{ctimeNs:D9}";
        return true;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern unsafe int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);
}
