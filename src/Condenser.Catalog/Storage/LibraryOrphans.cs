using System.Text.Json;
using Condenser.Catalog.Database;
using Condenser.Catalog.Records;
using Condenser.Catalog.Storage;

namespace Condenser.Catalog;

/// <summary>Stored objects that no record references: what an ingest killed between storing a file and committing
/// its record leaves behind.</summary>
public sealed partial class Library
{
    /// <summary>How old an unreferenced object must be before it is removed: longer than any ingest takes to commit
    /// what it stored, so that an ingest in flight (in this process or another on the same data folder) keeps its file.</summary>
    public static readonly TimeSpan DefaultOrphanAge = TimeSpan.FromHours(6);

    /// <summary>
    /// Removes stored objects (with their views and previews) that no record names as its file or a companion and
    /// that were last written more than <paramref name="olderThan"/> ago. Returns how many were removed.
    /// </summary>
    public int SweepOrphans(TimeSpan olderThan)
    {
        var objects = Path.Combine(Store.Root, "objects");
        var cutoff = DateTime.UtcNow - olderThan;
        var candidates = new List<string>();
        foreach (var prefix in Directory.EnumerateDirectories(objects))
        {
            foreach (var file in Directory.EnumerateFiles(prefix))
            {
                string sha = Path.GetFileName(prefix) + Path.GetFileName(file);
                if (sha.Length == 64 && sha.All(char.IsAsciiHexDigitLower) && File.GetLastWriteTimeUtc(file) < cutoff)
                {
                    candidates.Add(sha);
                }
            }
        }

        if (candidates.Count == 0)
        {
            return 0;
        }

        // Read after listing: a record committed meanwhile names its object here, so it is kept.
        var referenced = Db.Read(c => c.Query(null, "SELECT file_sha256, files FROM datasets",
            r => (File: r.GetString(0), Files: r.GetString(1)))).SelectMany(Shas).ToHashSet(StringComparer.Ordinal);
        int removed = 0;
        foreach (var sha in candidates.Where(s => !referenced.Contains(s)))
        {
            try
            {
                Store.Remove(sha, [.. Enumerable.Range(0, 64).Select(i => DatasetRecord.MakeId(sha, i))]);
                removed++;
            }
            catch (IOException)
            {
                // In use: left for the next sweep.
            }
        }

        return removed;

        static IEnumerable<string> Shas((string File, string Files) row)
        {
            yield return row.File;
            var files = JsonSerializer.Deserialize<List<StoredFile>>(row.Files, DatasetRecord.FilesJson) ?? [];
            foreach (var f in files)
            {
                yield return f.Sha256;
            }
        }
    }
}
