using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Formats;
using Condenser.Processing.Analyses;

namespace Condenser.Catalog.Tests;

/// <summary>Analyses on records: the catalogue keeps the same provenance the EMD results and --json hold.</summary>
public class AnalysisRecordTests
{
    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void IngestAndRunsRecordTheProvenanceAnEmdFileHolds(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var dir = lib.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr", "digitalmicrograph/2D/test-1.dm3");
        var outcomes = c.Ingestor.IngestPaths([dir], Principal.Local, new IngestOptions { Project = "p" });
        Assert.All(outcomes, o => Assert.Equal(IngestStatus.Ingested, o.Status));
        var mib = c.Get(outcomes.Single(o => o.File.EndsWith(".mib", StringComparison.Ordinal)).Ids.Single(), Principal.Local);
        var image = outcomes.Single(o => o.File.EndsWith(".dm3", StringComparison.Ordinal)).Ids.Single();

        // The bright-field preview of a 4D-STEM scan is a virtual-image analysis, recorded with the record as input.
        var preview = Assert.Single(c.Analyses(mib.Id, Principal.Local));
        Assert.Equal(VirtualImage.Name, preview.Name);
        var tree = JsonNode.Parse(preview.Provenance!)!;
        Assert.Equal(VirtualImage.Name, tree["analysis"]!.GetValue<string>());
        Assert.Equal(AnalysisProvenance.Software, tree["software"]!.GetValue<string>());
        Assert.Equal(0.0, tree["parameters"]!["annulus_inner_px"]!.GetValue<double>());
        Assert.Equal(tree["parameters"]!.ToJsonString(), JsonNode.Parse(preview.Parameters)!.ToJsonString());
        Assert.Equal(mib.FileSha256, JsonNode.Parse(preview.Inputs)!.AsArray().Single()!["sha256"]!.GetValue<string>());
        Assert.Empty(c.Analyses(image, Principal.Local)); // an image has no bright-field analysis

        // A run of an analysis on the stored file: the catalogue's row holds the tree the EMD result holds.
        using var file = c.OpenFile(mib);
        var result = CenterOfMassAnalysis.Run(new AnalysisRun(file.Datasets[0], file.Path), new CenterOfMassParameters((127.5, 127.5)));
        var emd = Path.Combine(lib.Folder, "com.emd");
        FormatRegistry.WriterFor(emd).Write(emd, result.Datasets);
        var row = c.RecordAnalysis(mib.Id, Principal.Local, result);
        Assert.Equal(CenterOfMassAnalysis.Name, row.Name);
        var stored = JsonNode.Parse(row.Provenance!)!.AsObject();
        Assert.Equal(MetadataJson.Tree(result.Provenance.ToTree()).ToJsonString(), stored.ToJsonString());
        using (var written = FormatRegistry.Open(emd))
        {
            var inEmd = MetadataJson.Tree(written.Datasets[0].OriginalMetadata.Child("provenance"));
            foreach (var key in new[] { "analysis", "analysis_version", "software", "input_sha256", "input_tree_hash", "input_dataset" })
            {
                Assert.Equal(stored[key]?.ToJsonString(), inEmd[key]?.ToJsonString());
            }

            Assert.Equal(127.5, inEmd["parameters"]!["center_y_px"]!.GetValue<double>());
        }

        Assert.Equal(result.Summary["sum"]!.GetValue<double>(), JsonNode.Parse(row.Outputs)!["sum"]!.GetValue<double>());

        // An analysis run elsewhere keeps what it was given, with no Condenser provenance.
        var outside = c.RecordAnalysis(image, Principal.Local, "hyperspy-decomposition", new JsonObject { ["algorithm"] = "SVD" }, new JsonObject { ["components"] = 3 }, "hyperspy 1.7");
        Assert.Null(outside.Provenance);
        Assert.Equal("hyperspy 1.7", outside.Software);
        Assert.Equal(2, c.Analyses(mib.Id, Principal.Local).Count);

        // Viewers may read analyses but not record them.
        var (_, _) = c.Users.Add("vera", Role.Viewer, "Lab", ["p"]);
        var vera = c.Users.PrincipalOf(c.Users.List().Single(u => u.Name == "vera").Id)!;
        Assert.Equal(CatalogError.Forbidden, Assert.Throws<CatalogException>(() => c.RecordAnalysis(mib.Id, vera, result)).Error);
    }
}
