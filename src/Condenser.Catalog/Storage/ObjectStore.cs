using Condenser.Data.Identity;
using System.Security.Cryptography;

namespace Condenser.Catalog.Storage;

/// <summary>
/// The content-addressed file store: every file is kept once under <c>objects/ab/cdef…</c> (its SHA-256), written to
/// <c>tmp/</c> first, flushed to disk and then renamed into place, so a crash never leaves a half-written object.
/// Previews live beside it under <c>previews/</c>.
/// </summary>
public sealed class ObjectStore
{
    /// <summary>Opens (and creates) the store in <paramref name="root"/>; leftovers of interrupted writes in <c>tmp/</c> are removed.</summary>
    public ObjectStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, "objects"));
        Directory.CreateDirectory(Path.Combine(Root, "previews"));
        Directory.CreateDirectory(Path.Combine(Root, "views"));
        var tmp = Path.Combine(Root, "tmp");
        Directory.CreateDirectory(tmp);
        foreach (var stale in Directory.EnumerateFileSystemEntries(tmp))
        {
            try
            {
                if (Directory.Exists(stale))
                {
                    if (Directory.GetLastWriteTimeUtc(stale) < DateTime.UtcNow.AddHours(-1))
                    {
                        Directory.Delete(stale, true);
                    }
                }
                else if (File.GetLastWriteTimeUtc(stale) < DateTime.UtcNow.AddHours(-1))
                {
                    File.Delete(stale);
                }
            }
            catch (IOException)
            {
                // Another process may be using it; it is swept next time.
            }
        }
    }

    /// <summary>The store's folder.</summary>
    public string Root { get; }

    /// <summary>A fresh private folder under <c>tmp/</c> for one upload or ingest; the caller deletes it.</summary>
    public string NewTempFolder()
    {
        var dir = Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The path of a stored object.</summary>
    public string ObjectPath(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new CatalogException(CatalogError.Invalid, $"'{sha256}' is not a SHA-256 in lower-case hex");
        }

        return Path.Combine(Root, "objects", sha256[..2], sha256[2..]);
    }

    /// <summary>True when the object is stored.</summary>
    public bool Contains(string sha256) => File.Exists(ObjectPath(sha256));

    /// <summary>Hashes a file without storing it.</summary>
    public static string Hash(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    /// <summary>
    /// Copies a file into the store (hashing while copying) unless an object with its content is there already;
    /// returns its SHA-256 and size in bytes.
    /// </summary>
    public (string Sha256, long Size, bool Created, string TreeHash) Put(string path, CancellationToken cancel = default)
    {
        var tmp = Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N") + ".part");
        try
        {
            string sha;
            long size;
            FileTreeHash tree;
            using (var src = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
            using (var dst = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                // The tree hash (what analyses' provenance names an input by) in the same read, leaf by leaf.
                tree = new FileTreeHash(src.Length);
                var leaf = new System.IO.Hashing.XxHash128();
                long leafIndex = 0, inLeaf = 0;
                var buffer = new byte[1 << 20];
                int n;
                while ((n = src.Read(buffer)) > 0)
                {
                    cancel.ThrowIfCancellationRequested();
                    hash.AppendData(buffer, 0, n);
                    dst.Write(buffer, 0, n);
                    for (int at = 0; at < n;)
                    {
                        if (leafIndex >= tree.LeafCount || tree.Leaf(leafIndex).Length == 0)
                        {
                            throw new IOException($"{path} grew while it was stored (opened at {tree.FileLength} bytes)");
                        }

                        int take = (int)Math.Min(n - at, tree.Leaf(leafIndex).Length - inLeaf);
                        leaf.Append(buffer.AsSpan(at, take));
                        at += take;
                        inLeaf += take;
                        if (inLeaf == tree.Leaf(leafIndex).Length)
                        {
                            tree.SetLeafDigest(leafIndex++, leaf.GetCurrentHashAsUInt128());
                            leaf.Reset();
                            inLeaf = 0;
                        }
                    }
                }

                if (tree.FileLength == 0)
                {
                    tree.SetLeafDigest(0, System.IO.Hashing.XxHash128.HashToUInt128([]));
                }

                dst.Flush(flushToDisk: true);
                size = dst.Length;
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (size != tree.FileLength || !tree.IsComplete)
                {
                    throw new IOException($"{path} changed while it was stored ({tree.FileLength} bytes when opened, {size} read)");
                }
            }

            var final = ObjectPath(sha);
            bool created = !File.Exists(final);
            if (!created)
            {
                File.Delete(tmp);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(final)!);
                File.Move(tmp, final, overwrite: true);
                File.SetAttributes(final, FileAttributes.ReadOnly);
                SyncDirectory(Path.GetDirectoryName(final)!);
            }

            return (sha, size, created, tree.Root());
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>
    /// A folder in which the stored files of one record appear under their original names (hard links, or copies
    /// where links are not possible), so that a reader finds a file's companions beside it. One folder per set of
    /// names and contents: copies of one file ingested under other names (by someone who may not see the first
    /// records) have folders of their own.
    /// </summary>
    public string View(IReadOnlyList<StoredFile> files)
    {
        var set = string.Concat(files.Select(f => $"{SafeName(f.Name)}\0{f.Sha256}\n"));
        var key = files[0].Sha256 + "-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(set)))[..16];
        var dir = Path.Combine(Root, "views", key);
        if (!Directory.Exists(dir))
        {
            var building = Path.Combine(Root, "tmp", "view-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(building);
            foreach (var f in files)
            {
                var target = Path.Combine(building, SafeName(f.Name));
                if (!Link(ObjectPath(f.Sha256), target))
                {
                    File.Copy(ObjectPath(f.Sha256), target);
                }
            }

            try
            {
                Directory.Move(building, dir);
            }
            catch (IOException)
            {
                Directory.Delete(building, true); // another request built it first
            }
        }

        return dir;
    }

    /// <summary>Removes an object, its view and the previews of records of it (an ingest that failed after storing it).</summary>
    public void Remove(string sha256, IEnumerable<string> recordIds)
    {
        var path = ObjectPath(sha256);
        if (File.Exists(path))
        {
            File.SetAttributes(path, FileAttributes.Normal);
            File.Delete(path);
        }

        foreach (var view in Directory.EnumerateDirectories(Path.Combine(Root, "views"), sha256 + "*"))
        {
            Directory.Delete(view, true);
        }

        RemovePreviews(recordIds);
    }

    /// <summary>Removes the previews of records (an ingest that failed before its records committed).</summary>
    public void RemovePreviews(IEnumerable<string> recordIds)
    {
        foreach (var id in recordIds)
        {
            foreach (var kind in new[] { "preview", "thumb", "pattern", "virtual" })
            {
                File.Delete(PreviewPath(id, kind));
            }
        }
    }

    /// <summary>The path of a preview file of a record.</summary>
    public string PreviewPath(string id, string kind) => Path.Combine(Root, "previews", SafeName(id) + "." + kind + ".png");

    /// <summary>Writes a preview atomically.</summary>
    public void WritePreview(string id, string kind, byte[] png)
    {
        var final = PreviewPath(id, kind);
        var tmp = Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N") + ".png");
        File.WriteAllBytes(tmp, png);
        File.Move(tmp, final, overwrite: true);
    }

    /// <summary>
    /// Checks a file name from outside (an upload or a peer): a plain name, no folders, no "..", no control
    /// characters, at most 255 bytes.
    /// </summary>
    public static string SafeName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name is "." or ".." || name.Contains('/') || name.Contains('\\') || name.Contains(':')
            || name.Any(char.IsControl) || System.Text.Encoding.UTF8.GetByteCount(name) > 255 || name.StartsWith('.'))
        {
            throw new CatalogException(CatalogError.Invalid, $"'{Printable(name)}' is not an acceptable file name (a plain name without folders, '..', control characters or a leading dot, at most 255 bytes)");
        }

        return name;
    }

    private static string Printable(string s) => new(s.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int link(string oldpath, string newpath);

    private static bool Link(string existing, string target)
    {
        try
        {
            return OperatingSystem.IsLinux() && link(existing, target) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static void SyncDirectory(string dir)
    {
        // A rename is durable once its folder is flushed; opening a folder for fsync is Unix-only.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            using var h = File.OpenHandle(dir, FileMode.Open, FileAccess.Read);
            fsync(h.DangerousGetHandle().ToInt32());
        }
        catch (UnauthorizedAccessException)
        {
        }
        catch (IOException)
        {
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);
}

/// <summary>A file of a record in the store.</summary>
/// <param name="Name">Its original file name.</param>
/// <param name="Sha256">Its content hash.</param>
/// <param name="Size">Bytes.</param>
public sealed record StoredFile(string Name, string Sha256, long Size);
