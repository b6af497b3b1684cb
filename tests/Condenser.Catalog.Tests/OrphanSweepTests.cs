using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;

namespace Condenser.Catalog.Tests;

/// <summary>Objects an interrupted ingest stored without a record are removed once old enough; referenced or young ones stay.</summary>
public sealed class OrphanSweepTests
{
    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void OldUnreferencedObjectsGoReferencedAndYoungOnesStay(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var dir = lib.CopyFixtures("digitalmicrograph/2D/test_STEM_image.dm3");
        var recorded = c.Ingestor.IngestFile(Directory.EnumerateFiles(dir).Single(), Principal.Local, new IngestOptions()).Ids.Single();

        // What an ingest killed after storing its file and before committing leaves: two objects, one old.
        string Orphan(string name, int seed, TimeSpan age)
        {
            var f = Path.Combine(dir, name);
            File.WriteAllBytes(f, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * seed))]);
            var (sha, _, _, _) = c.Store.Put(f);
            File.SetLastWriteTimeUtc(c.Store.ObjectPath(sha), DateTime.UtcNow - age);
            return sha;
        }

        var old = Orphan("old.bin", 3, TimeSpan.FromHours(7));
        var young = Orphan("young.bin", 5, TimeSpan.FromMinutes(5));
        var file = c.Get(recorded, Principal.Local).FileSha256;
        File.SetLastWriteTimeUtc(c.Store.ObjectPath(file), DateTime.UtcNow.AddDays(-30));

        Assert.Equal(1, c.SweepOrphans(Library.DefaultOrphanAge));
        Assert.False(c.Store.Contains(old));
        Assert.True(c.Store.Contains(young));
        Assert.True(c.Store.Contains(file));
        Assert.NotNull(c.Get(recorded, Principal.Local));
        Assert.Equal(0, c.SweepOrphans(Library.DefaultOrphanAge));
    }
}
