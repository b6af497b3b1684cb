using System.Security.Cryptography;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Search;

namespace Condenser.Catalog.Tests;

public class IngestTests
{
    private static readonly string[] Fixtures =
    [
        "quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr",
        "digitalmicrograph/2D/test_STEM_image.dm3", "digitalmicrograph/3D/EELS_SI.dm4", "digitalmicrograph/1D/test-EELS_spectrum.dm3",
        "emd/fei_example_tem_stack.emd",
    ];

    private static int ObjectCount(Library c) => Directory.EnumerateFiles(Path.Combine(c.Store.Root, "objects"), "*", SearchOption.AllDirectories).Count();

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void IngestsAFolderWithCompanionsFingerprintsAndPreviews(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var dir = lib.CopyFixtures(Fixtures);
        var outcomes = c.Ingestor.IngestPaths([dir], Principal.Local, new IngestOptions { Project = "p1", Sample = "SrTiO3", Elements = ["sr", "Ti", "O"] });

        // The .hdr is the Merlin file's companion: stored with it, never a record of its own.
        Assert.Equal(5, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(IngestStatus.Ingested, o.Status));
        Assert.DoesNotContain(outcomes, o => o.File.EndsWith(".hdr", StringComparison.Ordinal));
        var all = c.Search(new SearchQuery { PageSize = 200 }, Principal.Local);
        Assert.Equal(all.Items.Count, all.Total);
        foreach (var rec in all.Items)
        {
            // The fingerprint is the SHA-256 of the file's bytes, checked here with an independent hash of the original.
            var original = Path.Combine(dir, rec.FileName);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(original))), rec.FileSha256);
            Assert.Equal(new FileInfo(original).Length, rec.FileSize);
            Assert.True(File.Exists(c.Store.ObjectPath(rec.FileSha256)));
            var thumb = File.ReadAllBytes(c.Store.PreviewPath(rec.Id, "thumb"));
            Assert.True(thumb.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]));
            Assert.Equal(["O", "Sr", "Ti"], rec.Elements);
            Assert.Equal("SrTiO3", rec.Sample);
            Assert.Equal(Visibility.Project, rec.Visibility);
        }

        var mib = Assert.Single(all.Items, r => r.Format == "mib");
        Assert.Equal(["001_4x2_6bit.mib", "001_4x2_6bit.hdr"], mib.Files.Select(f => f.Name));
        Assert.Equal("4d_stem", mib.SignalType);
        Assert.Equal([2, 4, 256, 256], mib.Shape);
        Assert.True(File.Exists(c.Store.PreviewPath(mib.Id, "pattern")));
        Assert.True(File.Exists(c.Store.PreviewPath(mib.Id, "virtual")));
        var si = Assert.Single(all.Items, r => r.FileName == "EELS_SI.dm4");
        Assert.Equal("spectrum_image", si.SignalType);

        // The stored copy opens and holds the same values as the original.
        using (var stored = c.OpenFile(mib))
        using (var orig = Condenser.Formats.FormatRegistry.Open(Path.Combine(dir, "001_4x2_6bit.mib")))
        {
            Assert.Equal(orig.Datasets[0].ReadAll(), stored.Datasets[0].ReadAll());
        }

        // Ingesting again recognises every file and stores nothing twice.
        int objects = ObjectCount(c);
        var again = c.Ingestor.IngestPaths([dir], Principal.Local, new IngestOptions { Project = "p1" });
        Assert.All(again, o => Assert.Equal(IngestStatus.Duplicate, o.Status));
        Assert.Equal(outcomes.SelectMany(o => o.Ids).Order(), again.SelectMany(o => o.Ids).Order());
        Assert.Equal(objects, ObjectCount(c));
        Assert.Equal(all.Total, c.Search(new SearchQuery(), Principal.Local).Total);

        // The same bytes under another name are the same content.
        var copy = Path.Combine(lib.Folder, "renamed.dm3");
        File.Copy(Path.Combine(dir, "test_STEM_image.dm3"), copy);
        Assert.Equal(IngestStatus.Duplicate, c.Ingestor.IngestFile(copy, Principal.Local, new IngestOptions()).Status);
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void UnreadableFilesLeaveNoTrace(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        c.Ingestor.IngestPaths([lib.CopyFixtures("digitalmicrograph/2D/test_STEM_image.dm3")], Principal.Local, new IngestOptions());
        int objects = ObjectCount(c);
        long records = c.Search(new SearchQuery(), Principal.Local).Total;

        // A DM3 header with garbage after it: detected as DM, fails while reading, and everything it stored goes.
        var good = File.ReadAllBytes(Path.Combine(TestLibrary.TestData, "digitalmicrograph/2D/test-1.dm3"));
        var bad = Path.Combine(lib.Folder, "truncated.dm3");
        File.WriteAllBytes(bad, good[..Math.Min(good.Length, 200)]);
        var noise = Path.Combine(lib.Folder, "noise.dm4");
        File.WriteAllBytes(noise, RandomNumberGenerator.GetBytes(5000));
        foreach (var f in new[] { bad, noise })
        {
            var o = c.Ingestor.IngestFile(f, Principal.Local, new IngestOptions { Project = "never-made" });
            Assert.Equal(IngestStatus.Failed, o.Status);
            Assert.Contains(Path.GetFileName(f), o.Error);
            Assert.DoesNotContain(c.Store.Root, o.Error);
        }

        Assert.Equal(objects, ObjectCount(c));
        Assert.Equal(records, c.Search(new SearchQuery(), Principal.Local).Total);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(c.Store.Root, "tmp")));
        Assert.Null(c.Users.ProjectId("never-made"));
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void SessionsGroupByInstrumentAndTimeGap(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var sessions = c.Db.Write((conn, tx) =>
        {
            long t0 = 1_700_000_000_000;
            return new[]
            {
                Records.RecordWriter.AssignSession(conn, tx, "p", "Titan", t0),
                Records.RecordWriter.AssignSession(conn, tx, "p", "Titan", t0 + 3_600_000),     // 1 h later: same session
                Records.RecordWriter.AssignSession(conn, tx, "p", "Titan", t0 + (4 * 3_600_000)), // 3 h after the last: new
                Records.RecordWriter.AssignSession(conn, tx, "p", "ARM", t0 + 60_000),         // other instrument: new
                Records.RecordWriter.AssignSession(conn, tx, "p", "Titan", t0 - 1_800_000),    // earlier, within the gap: first session widened
            };
        });
        Assert.Equal(sessions[0], sessions[1]);
        Assert.NotEqual(sessions[1], sessions[2]);
        Assert.NotEqual(sessions[0], sessions[3]);
        Assert.Equal(sessions[0], sessions[4]);
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public async Task ConcurrentIngestAndQueriesAreSafe(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var dir = Path.Combine(lib.Folder, "synthetic");
        Directory.CreateDirectory(dir);
        var files = Enumerable.Range(0, 24).Select(i => Synthetic.WriteTiff(dir, $"img{i:D2}", Synthetic.Noise(32, i))).ToList();
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var r = c.Search(new SearchQuery { Text = "img", PageSize = 50 }, Principal.Local);
                    Assert.True(r.Items.Count <= r.Total);
                }
                catch (Exception e)
                {
                    errors.Add(e);
                }
            }
        })).ToList();

        // Every file twice, from four writers at once: each is ingested exactly once, the rest are duplicates.
        var outcomes = files.Concat(files).AsParallel().WithDegreeOfParallelism(4)
            .Select(f => c.Ingestor.IngestFile(f, Principal.Local, new IngestOptions { Project = "concurrent", Experiment = "series" })).ToList();
        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Empty(errors);
        Assert.All(outcomes, o => Assert.Contains(o.Status, new[] { IngestStatus.Ingested, IngestStatus.Duplicate }));
        Assert.Equal(24, outcomes.Count(o => o.Status == IngestStatus.Ingested));
        Assert.Equal(24, c.Search(new SearchQuery { PageSize = 100 }, Principal.Local).Total);
        Assert.Single(c.Search(new SearchQuery { PageSize = 100 }, Principal.Local).Items.Select(i => i.ExperimentId).Distinct());
    }
}
