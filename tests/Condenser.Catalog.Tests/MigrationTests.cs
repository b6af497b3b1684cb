using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Ingest;

namespace Condenser.Catalog.Tests;

/// <summary>Numbered migrations: a version-1 library (records, descriptors, annotations) upgrades with nothing lost.</summary>
public class MigrationTests
{
    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void AVersionOneLibraryUpgradesWithNothingLost(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        var dir = Path.Combine(lib.Folder, "in");
        Directory.CreateDirectory(dir);
        var ids = new List<string>();
        Dictionary<string, byte[]> vectors;
        List<string> similarBefore;
        string derived;
        using (var c = lib.Open())
        {
            for (int i = 0; i < 6; i++)
            {
                var img = i % 2 == 0 ? Synthetic.Lattice(64, 6, i) : Synthetic.Noise(64, i);
                ids.Add(c.Ingestor.IngestFile(Synthetic.WriteTiff(dir, $"im{i}", img), Principal.Local, new IngestOptions()).Ids.Single());
            }

            c.Annotate(ids[0], Principal.Local, "label", "grain", null);

            // A result with its provenance (as the CLI writes it), ingested beside its input.
            var source = Path.Combine(dir, "im0.tif");
            using (var file = Condenser.Formats.FormatRegistry.Open(source))
            {
                var stats = Condenser.Processing.Analyses.PatternStatisticsAnalysis.Run(new Condenser.Processing.Analyses.AnalysisRun(file.Datasets[0], source, new Condenser.Processing.Analyses.AnalysisRunOptions { HashCache = new Condenser.Data.Identity.FileHashCache(Path.Combine(lib.Folder, "hashes")) }));
                Condenser.Formats.FormatRegistry.WriterFor(Path.Combine(lib.Folder, "stats.emd")).Write(Path.Combine(lib.Folder, "stats.emd"), stats.Datasets);
            }

            derived = c.Ingestor.IngestFile(Path.Combine(lib.Folder, "stats.emd"), Principal.Local, new IngestOptions()).Ids[0];
            similarBefore = c.Similar(ids[0], Principal.Local, 5).Select(s => s.Record.Id).ToList();

            // Back to the layout of version 1, as the first libraries were written: the descriptor in a column of
            // datasets, no embeddings table, no migrations recorded, and regions in preview pixels (64 px images are
            // previewed enlarged 8 times).
            c.Db.Write((conn, tx) =>
            {
                conn.Execute(tx, $"ALTER TABLE datasets ADD COLUMN descriptor {(backend == "sqlite" ? "BLOB" : "BYTEA")}");
                conn.Execute(tx, "UPDATE datasets SET descriptor = (SELECT vector FROM embeddings e WHERE e.dataset_id = datasets.id AND e.model = 'descriptor')");
                conn.Execute(tx, "DROP TABLE embeddings");
                conn.Execute(tx, "ALTER TABLE analyses DROP COLUMN provenance");
                conn.Execute(tx, "INSERT INTO analyses (dataset_id, user_id, created_ms, analysis, parameters, software, inputs, outputs) VALUES (@d, NULL, 3, 'fft', '{\"window\": \"hann\"}', 'elsewhere 1.0', '[]', '{}')", ("d", ids[3]));
                conn.Execute(tx, "DROP INDEX datasets_file_project");
                if (backend == "sqlite")
                {
                    // Records unique per file and dataset, as version 1 made the table (SQLite adds a constraint
                    // only by making the table again).
                    var table = (string)conn.Scalar(tx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'datasets'")!;
                    var indexes = conn.Query(tx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'datasets' AND sql IS NOT NULL", r => r.GetString(0));
                    var v1 = System.Text.RegularExpressions.Regex.Replace(table, @"^CREATE TABLE\s+""?datasets""?", "CREATE TABLE datasets_v1");
                    conn.Execute(tx, v1[..v1.LastIndexOf(')')] + ", UNIQUE (file_sha256, dataset_index))");
                    conn.Execute(tx, "INSERT INTO datasets_v1 SELECT * FROM datasets");
                    conn.Execute(tx, "DROP TABLE datasets");
                    conn.Execute(tx, "ALTER TABLE datasets_v1 RENAME TO datasets");
                    indexes.ForEach(i => conn.Execute(tx, i));
                }
                else
                {
                    conn.Execute(tx, "ALTER TABLE datasets ADD CONSTRAINT datasets_file_sha256_dataset_index_key UNIQUE (file_sha256, dataset_index)");
                }

                conn.Execute(tx, "DROP TABLE derivations");
                conn.Execute(tx, "DROP TABLE file_hashes");
                conn.Execute(tx, "DELETE FROM schema_migrations");
                conn.Execute(tx, "UPDATE schema_info SET version = 1");
                conn.Execute(tx, "INSERT INTO annotations (dataset_id, user_id, created_ms, kind, text, region) VALUES (@d, NULL, 1, 'region', 'precipitate', @r)",
                    ("d", ids[1]), ("r", """{"x": 80, "y": 160, "width": 40, "height": 24}"""));
                conn.Execute(tx, "INSERT INTO annotations (dataset_id, user_id, created_ms, kind, text, region) VALUES (@d, NULL, 2, 'region', 'odd', @r)",
                    ("d", ids[1]), ("r", """{"circle": [3, 4]}"""));
                return 0;
            });
            vectors = c.Db.Read(conn => conn.Query(null, "SELECT id, descriptor FROM datasets", r => (r.GetString(0), r.Bytes("descriptor")!))).ToDictionary(p => p.Item1, p => p.Item2);
        }

        using (var c = lib.Open())
        {
            Assert.Equal(Schema.Version, c.Db.Read(conn => Schema.Current(conn, null)));
            Assert.Equal(5, Schema.Version);

            // Results ingested before lineage was kept are linked to their input from the provenance they kept.
            Assert.Equal(ids[0], Assert.Single(c.Lineage(derived, Principal.Local).MadeFrom).Id);
            Assert.Contains(c.Lineage(ids[0], Principal.Local).MadeInto, l => l.Id == derived);
            var migrated = c.Db.Read(conn => conn.Query(null, "SELECT dataset_id, vector FROM embeddings WHERE model = 'descriptor' AND model_version = '1'", r => (r.GetString(0), r.Bytes("vector")!)));
            Assert.Equal(ids.Count + 4, migrated.Count);
            Assert.All(migrated, m => Assert.Equal(vectors[m.Item1], m.Item2));
            Assert.Equal(0L, c.Db.Read(conn => conn.Query(null, "SELECT 1 FROM schema_migrations WHERE version = 1", r => 1L).Count));
            Assert.Equal(similarBefore, c.Similar(ids[0], Principal.Local, 5).Select(s => s.Record.Id).ToList());

            // Nothing lost: every record, the label, and the regions, now in the image's pixels with its calibration.
            Assert.Equal(ids.Count, ids.Count(id => c.Get(id, Principal.Local).Id == id));
            Assert.Equal("grain", c.Annotations(ids[0], Principal.Local).Single().Text);
            var analysis = c.Analyses(ids[3], Principal.Local).Single();
            Assert.Equal(("fft", "elsewhere 1.0", null), (analysis.Name, analysis.Software, analysis.Provenance));
            Assert.Equal("hann", JsonNode.Parse(analysis.Parameters)!["window"]!.GetValue<string>());
            var regions = c.Annotations(ids[1], Principal.Local);
            var rect = JsonNode.Parse(regions.Single(a => a.Text == "precipitate").Region!)!;
            Assert.Equal("signal", rect["space"]!.GetValue<string>());
            Assert.Equal("rectangle", rect["shape"]!.GetValue<string>());
            Assert.Equal([20.0, 10.0, 23.0, 15.0], rect["points"]!.AsArray().SelectMany(p => p!.AsArray().Select(v => v!.GetValue<double>())));
            var odd = JsonNode.Parse(regions.Single(a => a.Text == "odd").Region!)!;
            Assert.Equal("preview", odd["space"]!.GetValue<string>());
            Assert.Equal(4, odd["legacy"]!["circle"]![1]!.GetValue<int>());

            // New records keep their descriptor in the embeddings table.
            var id = c.Ingestor.IngestFile(Synthetic.WriteTiff(dir, "after", Synthetic.Blob(64, 9)), Principal.Local, new IngestOptions()).Ids.Single();
            Assert.Equal(5, c.Similar(id, Principal.Local, 5).Count);

            // Records are unique per project now: a contributor who may not see a file's records gets a copy.
            var (user, _) = c.Users.Add("otto", Role.Contributor, "Lab B", ["gamma"]);
            var copy = c.Ingestor.IngestFile(Path.Combine(dir, "im0.tif"), c.Users.PrincipalOf(user.Id)!, new IngestOptions { Project = "gamma" });
            Assert.True(copy.Status == IngestStatus.Ingested, copy.Error);
            Assert.NotEqual(ids[0], copy.Ids.Single());
            Assert.Equal(ids.Count + 2 + 4, c.Db.Read(conn => Convert.ToInt32(conn.Scalar(null, "SELECT COUNT(*) FROM datasets"), System.Globalization.CultureInfo.InvariantCulture)));

            // A region is checked against the dataset and kept in its coordinates, calibrated.
            var a = c.Annotate(ids[2], Principal.Local, "region", "defect", """{"space": "signal", "shape": "point", "points": [[12.5, 40]]}""");
            var point = JsonNode.Parse(a.Region!)!;
            Assert.Equal(2, point["calibrated"]![0]!.AsArray().Count);
            foreach (var bad in new[] { """{"space": "scan", "shape": "point", "points": [[1, 1]]}""", """{"space": "signal", "shape": "point", "points": [[70, 1]]}""", """{"space": "signal", "shape": "rectangle", "points": [[1, 1]]}""", "[1, 2]" })
            {
                Assert.Equal(CatalogError.Invalid, Assert.Throws<CatalogException>(() => c.Annotate(ids[2], Principal.Local, "region", "bad", bad)).Error);
            }

            c.Db.Write((conn, tx) => conn.Execute(tx, "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (@v, 'from the future', 0)", ("v", (object)(Schema.Version + 1))));
        }

        var e = Assert.Throws<CatalogException>(() => lib.Open());
        Assert.Equal(CatalogError.Conflict, e.Error);
        Assert.Contains($"newer Condenser (schema {Schema.Version + 1}", e.Message);
    }
}
