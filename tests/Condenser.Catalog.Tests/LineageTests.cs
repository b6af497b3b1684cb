using Condenser.Catalog.Database;
using Condenser.Data;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Data.Identity;
using Condenser.Formats;
using Condenser.Processing.Analyses;

namespace Condenser.Catalog.Tests;

/// <summary>Lineage: results carry their input's identity, and the library links them to it both ways, whichever came first, never to a record the caller may not read.</summary>
public class LineageTests
{
    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void ACliResultIngestedBeforeOrAfterItsInputIsLinkedBothWays(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var dir = lib.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr");
        var mib = Path.Combine(dir, "001_4x2_6bit.mib");

        // As the CLI does: an analysis of the file where it lies, its results written as EMD with the provenance.
        var outputs = Path.Combine(lib.Folder, "out");
        Directory.CreateDirectory(outputs);
        var com = Path.Combine(outputs, "com.emd");
        using (var file = FormatRegistry.Open(mib))
        {
            var result = CenterOfMassAnalysis.Run(new AnalysisRun(file.Datasets[0], mib, new AnalysisRunOptions { HashCache = new FileHashCache(Path.Combine(lib.Folder, "hashes")) }), new CenterOfMassParameters((127.5, 127.5)));
            Assert.NotNull(result.Provenance.Inputs[0].TreeHash);
            FormatRegistry.WriterFor(com).Write(com, result.Datasets);
        }

        // The result first: nothing to link to yet, and it says so.
        var (ada, _) = c.Users.Add("ada", Role.Contributor, "Lab A", ["alpha"]);
        var adaP = c.Users.PrincipalOf(ada.Id)!;
        var results = c.Ingestor.IngestFile(com, adaP, new IngestOptions { Project = "alpha" }).Ids;
        Assert.True(results.Count >= 3);
        var before = c.Lineage(results[0], adaP);
        Assert.Equal((CenterOfMassAnalysis.Name, true), (before.Analysis, before.InputUnknown));
        Assert.Empty(before.MadeFrom);

        // Then the input: each result names it, and it lists every result.
        var input = c.Ingestor.IngestFile(mib, adaP, new IngestOptions { Project = "alpha" }).Ids.Single();
        foreach (var r in results)
        {
            var up = c.Lineage(r, adaP);
            Assert.Equal(input, Assert.Single(up.MadeFrom).Id);
            Assert.False(up.InputUnknown);
            Assert.Equal(CenterOfMassAnalysis.Name, up.MadeFrom[0].Analysis);
        }

        var down = c.Lineage(input, adaP);
        Assert.Equal(results.Order(), down.MadeInto.Select(l => l.Id).Order());
        Assert.Empty(down.MadeFrom);
        Assert.Null(down.Analysis);

        // Linked by the tree hash alone (the SHA-256 of a file over 64 MiB is not known to the CLI on its first run).
        c.Db.Write((conn, tx) => conn.Execute(tx, "UPDATE derivations SET input_sha256 = NULL"));
        Assert.Equal(input, Assert.Single(c.Lineage(results[0], adaP).MadeFrom).Id);
        Assert.Equal(results.Count, c.Lineage(input, adaP).MadeInto.Count);

        // Someone who may read the result but not the input sees no trace of the input, and the input's page is not theirs.
        var (bob, _) = c.Users.Add("bob", Role.Contributor, "Lab B", ["beta"]);
        var bobP = c.Users.PrincipalOf(bob.Id)!;
        var bobs = c.Ingestor.IngestFile(com, bobP, new IngestOptions { Project = "beta" }).Ids;
        c.Update(results[0], adaP, new RecordPatch { Visibility = Visibility.Public });
        var seen = c.Lineage(results[0], bobP);
        Assert.Empty(seen.MadeFrom);
        Assert.True(seen.InputUnknown);
        Assert.Equal(CatalogError.NotFound, Assert.Throws<CatalogException>(() => c.Lineage(input, bobP)).Error);

        // And the input's owners do not see results they may not read: bob's copy of the result in his project.
        Assert.DoesNotContain(bobs[0], results);
        Assert.DoesNotContain(c.Lineage(input, adaP).MadeInto, l => bobs.Contains(l.Id));
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void AnAnalysisRunInTheLibraryStoresItsResultsAsLinkedRecords(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var dir = lib.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr");
        var (ada, _) = c.Users.Add("ada", Role.Contributor, "Lab A", ["alpha"]);
        var adaP = c.Users.PrincipalOf(ada.Id)!;
        var input = c.Ingestor.IngestFile(Path.Combine(dir, "001_4x2_6bit.mib"), adaP, new IngestOptions { Project = "alpha", Visibility = Visibility.Public, Sample = "gold" }).Ids.Single();

        // A rectangle detector: its image is the sum of the frame over the rectangle's pixels at every position.
        var parameters = new JsonObject { ["shape"] = "rectangle", ["center"] = new JsonArray(100.5, 60.5), ["height"] = 10, ["width"] = 20 };
        var stages = new List<string>();
        var outcome = c.RunAnalysis(input, adaP, VirtualImage.Name, parameters, (label, _) => { stages.Add(label); return null; });
        Assert.Contains(VirtualImage.Title, stages);
        var result = c.Get(Assert.Single(outcome.Records), adaP);
        Assert.Equal(("image", "gold", Visibility.Project), (result.SignalType, result.Sample, result.Visibility));
        Assert.Equal(c.Get(input, adaP).Shape[..2], result.Shape);

        double[] expected = new double[8];
        using (var raw = FormatRegistry.Open(Path.Combine(dir, "001_4x2_6bit.mib")))
        {
            var ds = raw.Datasets[0];
            var bytes = new byte[ds.Shape.SignalCount * ds.DType.Size()];
            var frame = new double[256 * 256];
            for (int p = 0; p < 8; p++)
            {
                ds.ReadFrame(p, bytes);
                for (int i = 0; i < frame.Length; i++)
                {
                    frame[i] = ds.DType switch
                    {
                        Condenser.Data.DType.UInt8 => bytes[i],
                        Condenser.Data.DType.UInt16 => BitConverter.ToUInt16(bytes, 2 * i),
                        Condenser.Data.DType.UInt32 => BitConverter.ToUInt32(bytes, 4 * i),
                        _ => throw new InvalidOperationException($"the fixture is {ds.DType}"),
                    };
                }

                for (int y = 96; y < 106; y++)
                {
                    for (int x = 51; x < 71; x++)
                    {
                        expected[p] += frame[(y * 256) + x];
                    }
                }
            }
        }

        using (var stored = c.OpenFile(result))
        {
            var all = stored.Datasets[0].ReadAll();
            Assert.Equal(expected, Enumerable.Range(0, 8).Select(i => BitConverter.ToDouble(all, 8 * i)));
            var provenance = MetadataJson.Tree(stored.Datasets[0].OriginalMetadata.Child("provenance"));
            Assert.Equal((input, "001_4x2_6bit.mib"), (provenance["input_record"]!.GetValue<string>(), provenance["input_file"]!.GetValue<string>()));
            Assert.Equal(c.Get(input, adaP).FileSha256, provenance["input_sha256"]!.GetValue<string>());
            Assert.Equal(95.5, provenance["parameters"]!["rectangle_top_px"]!.GetValue<double>());
        }

        var row = Assert.Single(c.Analyses(input, adaP), a => a.Name == VirtualImage.Name && a.Provenance is not null && a.Outputs.Contains(result.Id, StringComparison.Ordinal));
        Assert.Equal(outcome.Analysis.Id, row.Id);
        Assert.Equal(input, Assert.Single(c.Lineage(result.Id, adaP).MadeFrom).Id);
        Assert.Contains(c.Lineage(input, adaP).MadeInto, l => l.Id == result.Id && l.Analysis == VirtualImage.Name);
        Assert.Contains(c.Audit.Latest(50, input), e => e.Action == "analysis");

        // Refusals name what was wrong and store nothing.
        int records = c.Db.Read(conn => Convert.ToInt32(conn.Scalar(null, "SELECT COUNT(*) FROM datasets"), System.Globalization.CultureInfo.InvariantCulture));
        var bad = Assert.Throws<CatalogException>(() => c.RunAnalysis(input, adaP, VirtualImage.Name, new JsonObject { ["outer"] = 5, ["radius"] = 3 }));
        Assert.Equal(CatalogError.Invalid, bad.Error);
        Assert.Contains("'radius'", bad.Message);
        Assert.Contains("'sharpen'", Assert.Throws<CatalogException>(() => c.RunAnalysis(input, adaP, "sharpen", null)).Message);
        Assert.Contains("'outer'", Assert.Throws<CatalogException>(() => c.RunAnalysis(input, adaP, VirtualImage.Name, new JsonObject { ["outer"] = "wide" })).Message);
        var (vera, _) = c.Users.Add("vera", Role.Viewer, "Lab A", ["alpha"]);
        Assert.Equal(CatalogError.Forbidden, Assert.Throws<CatalogException>(() => c.RunAnalysis(input, c.Users.PrincipalOf(vera.Id)!, VirtualImage.Name, parameters)).Error);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => c.RunAnalysis(input, adaP, PatternStatisticsAnalysis.Name, null, cancel: cancelled.Token));
        Assert.Equal(records, c.Db.Read(conn => Convert.ToInt32(conn.Scalar(null, "SELECT COUNT(*) FROM datasets"), System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(FileTreeHash.LeafBytes)]
    [InlineData(FileTreeHash.LeafBytes + 1)]
    [InlineData((2 * FileTreeHash.LeafBytes) + 12345)]
    public void TheStoreHashesATreeAsAnalysesDo(int bytes)
    {
        using var lib = TestLibrary.Create("sqlite");
        using var c = lib.Open();
        var path = Path.Combine(lib.Folder, "blob.bin");
        var data = new byte[bytes];
        new Random(bytes).NextBytes(data);
        File.WriteAllBytes(path, data);
        var (sha, size, _, tree) = c.Store.Put(path);
        Assert.Equal((long)bytes, size);
        Assert.Equal(FileTreeHash.Of(path), tree);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), sha);
    }
}
