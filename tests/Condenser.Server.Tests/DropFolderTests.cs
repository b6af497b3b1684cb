using System.Text.Json.Nodes;
using Condenser.Catalog.Access;

namespace Condenser.Server.Tests;

public class DropFolderTests
{
    [Fact]
    public async Task FilesDroppedInTheWatchedFolderAreIngestedAndMoved()
    {
        var drop = Path.Combine(Path.GetTempPath(), "condenser-drop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(drop);
        try
        {
            await using var host = await ServerHost.Start("sqlite", o => o with { DropFolder = drop });
            foreach (var f in new[] { "quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr", "digitalmicrograph/2D/test_STEM_image.dm3", "tia/new/128x128_TEM_acquire-sum1.emi", "tia/new/128x128_TEM_acquire-sum1_1.ser" })
            {
                File.Copy(Path.Combine(TestLibrary.TestData, f), Path.Combine(drop, Path.GetFileName(f)));
            }

            File.WriteAllText(Path.Combine(drop, "readme.txt"), "not data");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && host.Catalog.Search(new Catalog.Search.SearchQuery { Project = "drop" }, Principal.Local).Total < 3)
            {
                await Task.Delay(100);
            }

            var found = host.Catalog.Search(new Catalog.Search.SearchQuery { Project = "drop" }, Principal.Local);
            Assert.Equal(3, found.Total);
            Assert.Equal(2, found.Items.Single(i => i.Format == "tia").Files.Count);
            Assert.Equal(2, found.Items.Single(i => i.Format == "mib").Files.Count);
            while (DateTime.UtcNow < deadline && File.Exists(Path.Combine(drop, "readme.txt")))
            {
                await Task.Delay(100);
            }

            Assert.Equal(["001_4x2_6bit.hdr", "001_4x2_6bit.mib", "128x128_TEM_acquire-sum1.emi", "128x128_TEM_acquire-sum1_1.ser", "test_STEM_image.dm3"],
                Directory.GetFiles(Path.Combine(drop, "done")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.True(File.Exists(Path.Combine(drop, "failed", "readme.txt")));
            Assert.Contains("not a file format", File.ReadAllText(Path.Combine(drop, "failed", "readme.txt.error.txt")));
            Assert.Empty(Directory.GetFiles(drop));
        }
        finally
        {
            Directory.Delete(drop, true);
        }
    }

    [Fact]
    public void IngestIntoADataFolderThenServeIt()
    {
        using var lib = TestLibrary.Create("sqlite");
        var dir = lib.CopyFixtures("digitalmicrograph/2D/test_STEM_image.dm3", "digitalmicrograph/3D/EELS_SI.dm4");
        var r = CliRunner.Run("ingest", dir, "--data", lib.Folder, "--project", "beamtime", "--sample", "STO", "--elements", "Sr,Ti,O", "--json");
        Assert.True(r.Code == 0, r.Err);
        var doc = JsonNode.Parse(r.Out)!;
        Assert.Equal(2, doc["ingested"]!.GetValue<int>());
        var again = JsonNode.Parse(CliRunner.Run("ingest", dir, "--data", lib.Folder, "--json").Out)!;
        Assert.Equal(2, again["duplicates"]!.GetValue<int>());
        var missing = CliRunner.Run("ingest", Path.Combine(dir, "nope.dm3"), "--data", lib.Folder);
        Assert.Equal(2, missing.Code);
        Assert.Contains("nope.dm3", missing.Err);
        var bad = CliRunner.Run("ingest", dir, "--data", lib.Folder, "--visibility", "everyone");
        Assert.Equal(2, bad.Code);
        Assert.Contains("visibility", bad.Err);
    }
}
