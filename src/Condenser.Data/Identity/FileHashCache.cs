namespace Condenser.Data.Identity;

/// <summary>
/// The hashes of files already hashed, keyed by their <see cref="FileStamp"/> (device, inode, size, modification and
/// change times): a second analysis of the same unchanged file needs no hashing at all. One tab-separated line per
/// entry in <c>hashes.tsv</c> of the cache folder (<c>$CONDENSER_CACHE</c>, else <c>$XDG_CACHE_HOME/condenser</c>,
/// else <c>~/.cache/condenser</c>); appended, the newest line for a key wins, compacted to its newest 10,000 lines past ~3 MB.
/// </summary>
public sealed class FileHashCache(string folder)
{
    private const int MaxLines = 20_000;

    /// <summary>Past this size the file is compacted to its newest half (a line is ~150 bytes).</summary>
    private const long MaxBytes = MaxLines * 160L;
    private static readonly Lock Gate = new();

    /// <summary>The per-user cache.</summary>
    public static FileHashCache Default { get; } = new(DefaultFolder());

    /// <summary>The cache folder.</summary>
    public string Folder { get; } = folder;

    private string FilePath => Path.Combine(Folder, "hashes.tsv");

    /// <summary>The per-user cache folder.</summary>
    public static string DefaultFolder()
        => Environment.GetEnvironmentVariable("CONDENSER_CACHE") is { Length: > 0 } c ? c
            : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? Path.Combine(x, "condenser")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "condenser");

    /// <summary>What is known of a file's version: its tree hash and SHA-256 (either may be null).</summary>
    public (string? Tree, string? Sha256) Lookup(FileStamp stamp)
    {
        string? tree = null, sha = null;
        foreach (var (key, t, s) in Entries())
        {
            if (key == stamp.Key)
            {
                tree = t ?? tree;
                sha = s ?? sha;
            }
        }

        return (tree, sha);
    }

    /// <summary>Records hashes of a file's version (a cache that cannot be written is skipped: it is only a cache).</summary>
    public void Store(FileStamp stamp, string? tree, string? sha256)
    {
        if (tree is null && sha256 is null)
        {
            return;
        }

        try
        {
            lock (Gate)
            {
                Directory.CreateDirectory(Folder);
                File.AppendAllText(FilePath, $"{stamp.Key}\t{tree ?? "-"}\t{sha256 ?? "-"}\n");
                if (new FileInfo(FilePath).Length > MaxBytes)
                {
                    var lines = File.ReadAllLines(FilePath);
                    var tmp = FilePath + ".tmp";
                    File.WriteAllLines(tmp, lines[^Math.Min(lines.Length, MaxLines / 2)..]);
                    File.Move(tmp, FilePath, overwrite: true);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private IEnumerable<(string Key, string? Tree, string? Sha)> Entries()
    {
        string[] lines;
        try
        {
            lines = File.Exists(FilePath) ? File.ReadAllLines(FilePath) : [];
        }
        catch (IOException)
        {
            yield break;
        }

        foreach (var line in lines)
        {
            var parts = line.Split('\t');
            if (parts.Length == 3)
            {
                yield return (parts[0], parts[1] == "-" ? null : parts[1], parts[2] == "-" ? null : parts[2]);
            }
        }
    }
}
