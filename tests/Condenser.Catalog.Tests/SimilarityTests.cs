using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Sharing;
using Condenser.Catalog.Similarity;

namespace Condenser.Catalog.Tests;

public class SimilarityTests
{
    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void MoreLikeThisRanksTheSameKindOfImageFirst(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var dir = Path.Combine(lib.Folder, "kinds");
        Directory.CreateDirectory(dir);
        var kind = new Dictionary<string, string>();
        for (int i = 0; i < 8; i++)
        {
            foreach (var (k, img) in new[] { ("lattice", Synthetic.Lattice(64, 6 + (i % 3), i)), ("noise", Synthetic.Noise(64, 100 + i)), ("blob", Synthetic.Blob(64, 200 + i)) })
            {
                var o = c.Ingestor.IngestFile(Synthetic.WriteTiff(dir, $"{k}{i}", img), Principal.Local, new IngestOptions());
                kind[o.Ids.Single()] = k;
            }
        }

        // The nearest neighbour of each image is of its kind, and at least five of the seven nearest (chance: about a third).
        foreach (var (id, k) in kind)
        {
            var near = c.Similar(id, Principal.Local, 7);
            Assert.Equal(7, near.Count);
            Assert.DoesNotContain(near, n => n.Record.Id == id);
            Assert.Equal(k, kind[near[0].Record.Id]);
            Assert.True(near.Count(n => kind[n.Record.Id] == k) >= 5, $"{k}: {string.Join(", ", near.Select(n => kind[n.Record.Id]))}");
            Assert.True(near.Zip(near.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        }
    }

    [Fact]
    public void ScoresMatchTheScalarReferenceAtEveryLength()
    {
        var rng = new Random(1);
        for (int dims = 1; dims <= 40; dims++)
        {
            for (int rows = 0; rows <= 9; rows++)
            {
                var m = Enumerable.Range(0, rows * dims).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
                var q = Enumerable.Range(0, dims).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
                var a = new float[rows];
                var b = new float[rows];
                SimilarityIndex.Scores(m, dims, q, a);
                SimilarityIndex.ScoresScalar(m, dims, q, b);
                for (int i = 0; i < rows; i++)
                {
                    Assert.Equal(b[i], a[i], 1e-5f);
                }
            }
        }

        Assert.Throws<ArgumentException>(() => SimilarityIndex.Scores(new float[6], 3, new float[2], new float[2]));
    }

    [Fact]
    public void DescriptorIgnoresOffsetAndGain()
    {
        var img = Synthetic.Lattice(48, 7, 3).Select(v => (double)v).ToArray();
        var a = Descriptor.Of(img, 48, 48);
        var b = Descriptor.Of(img.Select(v => (7 * v) + 1000).ToArray(), 48, 48);
        Assert.Equal(Descriptor.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i], 1e-3f);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void JsonLdRoundTripsARecord(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var o = c.Ingestor.IngestFile(Path.Combine(lib.CopyFixtures("digitalmicrograph/3D/EELS_SI.dm4"), "EELS_SI.dm4"), Principal.Local,
            new IngestOptions { Sample = "perovskite", Elements = ["La", "O"], Visibility = Visibility.Public, Operator = "J. Doe" });
        var rec = c.Get(o.Ids.Single(), Principal.Local);
        var doc = JsonLd.Export(rec, "http://lab.example:5080");
        Assert.Equal("https://schema.org", doc["@context"]!.GetValue<string>());
        Assert.Equal("Dataset", doc["@type"]!.GetValue<string>());
        Assert.Equal(rec.FileSha256, doc["distribution"]![0]!["sha256"]!.GetValue<string>());
        var back = JsonLd.Import(System.Text.Json.Nodes.JsonNode.Parse(doc.ToJsonString())!, "p", Visibility.Public, "http://lab.example:5080");
        Assert.Equal(rec.Id, back.Id);
        Assert.Equal(rec.FileSha256, back.FileSha256);
        Assert.Equal(rec.Shape, back.Shape);
        Assert.Equal(rec.SignalType, back.SignalType);
        Assert.Equal(rec.Elements, back.Elements);
        Assert.Equal(rec.Sample, back.Sample);
        Assert.Equal(rec.Operator, back.Operator);
        Assert.Equal(rec.BeamEnergyKeV, back.BeamEnergyKeV);
        Assert.Equal(rec.AcquiredMs, back.AcquiredMs);
        Assert.Throws<CatalogException>(() => JsonLd.Import(System.Text.Json.Nodes.JsonNode.Parse("""{"@type":"Dataset","distribution":[{"name":"../x","sha256":"00","contentSize":1}]}""")!, "p", Visibility.Public, null));
        Assert.Throws<CatalogException>(() => JsonLd.Import(System.Text.Json.Nodes.JsonNode.Parse("""{"@type":"Person"}""")!, "p", Visibility.Public, null));
    }
}
