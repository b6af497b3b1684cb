using System.Data.Common;
using System.Text.Json.Nodes;
using Condenser.Catalog.Records;

namespace Condenser.Catalog.Database;

/// <summary>One numbered change of the schema, applied in a transaction of its own.</summary>
/// <param name="Version">The schema version it brings the library to.</param>
/// <param name="Name">What it does.</param>
/// <param name="Apply">The change, inside the transaction.</param>
public sealed record Migration(int Version, string Name, Action<DbConnection, DbTransaction, Sql> Apply);

/// <summary>The catalogue's migrations, in order. Never edit one that has shipped: add the next.</summary>
public static class Migrations
{
    /// <summary>Every migration, oldest first.</summary>
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "tables of the first library", (c, tx, sql) => Run(c, tx, V1(sql))),
        new(2, "embeddings table in place of the descriptor column; annotation regions in dataset coordinates", V2),
        new(3, "the provenance of analyses Condenser ran, as EMD files and --json write it", (c, tx, _) => c.Execute(tx, "ALTER TABLE analyses ADD COLUMN provenance TEXT")),
        new(4, "a file's records unique per project, not per file (a copy for a project that may not see the others)", V4),
        new(5, "derivations (what a result was computed from, by its provenance) and files' tree hashes", Records.Derivations.Migrate),
    ];

    private static void Run(DbConnection c, DbTransaction tx, IEnumerable<string> statements)
    {
        foreach (var s in statements)
        {
            c.Execute(tx, s);
        }
    }

    private static string[] V1(Sql sql) =>
    [
        "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, institution TEXT NOT NULL, created_ms BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), created_ms BIGINT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, institution TEXT NOT NULL, created_ms BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS memberships (user_id TEXT NOT NULL REFERENCES users(id), project_id TEXT NOT NULL REFERENCES projects(id), PRIMARY KEY (user_id, project_id))",
        "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, instrument TEXT NOT NULL, start_ms BIGINT NOT NULL, end_ms BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS experiments (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, sample TEXT, elements TEXT, description TEXT, goal TEXT, instrument TEXT, operator TEXT, created_ms BIGINT NOT NULL, UNIQUE (project_id, name))",
        """
        CREATE TABLE IF NOT EXISTS datasets (
          id TEXT PRIMARY KEY, seq BIGINT NOT NULL, file_sha256 TEXT NOT NULL, dataset_index INTEGER NOT NULL,
          data_sha256 TEXT, file_name TEXT NOT NULL, file_size BIGINT NOT NULL, files TEXT NOT NULL,
          format TEXT NOT NULL, name TEXT NOT NULL, shape TEXT NOT NULL, nav_dims INTEGER NOT NULL, dtype TEXT NOT NULL,
          signal_type TEXT NOT NULL, technique TEXT, instrument TEXT NOT NULL, detector TEXT, beam_energy_kev DOUBLE PRECISION,
          acquired_ms BIGINT, time_ms BIGINT NOT NULL, ingested_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,
          title TEXT, sample TEXT, elements TEXT NOT NULL, description TEXT, operator TEXT,
          project_id TEXT NOT NULL, owner_id TEXT, institution TEXT NOT NULL, visibility TEXT NOT NULL,
          embargo_ms BIGINT NOT NULL, session_id TEXT, experiment_id TEXT, origin TEXT,
          info TEXT NOT NULL, descriptor BLOB_TYPE, published INTEGER NOT NULL DEFAULT 0,
          UNIQUE (file_sha256, dataset_index))
        """.Replace("BLOB_TYPE", sql.Blob, StringComparison.Ordinal),
        "CREATE INDEX IF NOT EXISTS datasets_seq ON datasets (seq)",
        // Searches run in the in-process index; an index on visibility would only tempt the planner away from the id.
        "DROP INDEX IF EXISTS datasets_visibility",
        "DROP INDEX IF EXISTS datasets_instrument",
        "DROP INDEX IF EXISTS datasets_signal",
        "CREATE INDEX IF NOT EXISTS datasets_time ON datasets (time_ms)",
        "CREATE INDEX IF NOT EXISTS datasets_ingested ON datasets (ingested_ms)",
        "CREATE INDEX IF NOT EXISTS datasets_project ON datasets (project_id)",
        $"CREATE TABLE IF NOT EXISTS annotations (id {sql.AutoId}, dataset_id TEXT NOT NULL, user_id TEXT, created_ms BIGINT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, region TEXT)",
        "CREATE INDEX IF NOT EXISTS annotations_dataset ON annotations (dataset_id)",
        $"CREATE TABLE IF NOT EXISTS analyses (id {sql.AutoId}, dataset_id TEXT NOT NULL, user_id TEXT, created_ms BIGINT NOT NULL, analysis TEXT NOT NULL, parameters TEXT NOT NULL, software TEXT NOT NULL, inputs TEXT NOT NULL, outputs TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS analyses_dataset ON analyses (dataset_id)",
        $"CREATE TABLE IF NOT EXISTS audit (id {sql.AutoId}, time_ms BIGINT NOT NULL, user_id TEXT, action TEXT NOT NULL, dataset_id TEXT, detail TEXT)",
        "CREATE TABLE IF NOT EXISTS peers (url TEXT PRIMARY KEY, cursor TEXT NOT NULL, last_ms BIGINT NOT NULL)",
    ];

    /// <summary>
    /// Version 4: records are unique per file, dataset and project instead of per file and dataset, so that someone
    /// who ingests bytes already in the library under records they may not read gets records of their own. SQLite
    /// cannot drop a table's constraint: the table is rebuilt from its own definition without it, with its indexes.
    /// </summary>
    private static void V4(DbConnection c, DbTransaction tx, Sql sql)
    {
        if (sql == Sql.Postgres)
        {
            c.Execute(tx, "ALTER TABLE datasets DROP CONSTRAINT IF EXISTS datasets_file_sha256_dataset_index_key");
        }
        else
        {
            var table = (string)c.Scalar(tx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'datasets'")!;
            var indexes = c.Query(tx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'datasets' AND sql IS NOT NULL", r => r.GetString(0));
            var without = System.Text.RegularExpressions.Regex.Replace(table, @",\s*UNIQUE\s*\(\s*file_sha256\s*,\s*dataset_index\s*\)", string.Empty);
            var rebuilt = System.Text.RegularExpressions.Regex.Replace(without, @"^CREATE TABLE\s+(IF NOT EXISTS\s+)?""?datasets""?", "CREATE TABLE datasets_v4");
            if (rebuilt == without)
            {
                throw new InvalidOperationException("the datasets table is not one Condenser made: " + table[..Math.Min(table.Length, 200)]);
            }

            if (without == table)
            {
                // The constraint is gone already.
                c.Execute(tx, "CREATE UNIQUE INDEX IF NOT EXISTS datasets_file_project ON datasets (file_sha256, dataset_index, project_id)");
                return;
            }

            c.Execute(tx, rebuilt);
            c.Execute(tx, "INSERT INTO datasets_v4 SELECT * FROM datasets");
            c.Execute(tx, "DROP TABLE datasets");
            c.Execute(tx, "ALTER TABLE datasets_v4 RENAME TO datasets");
            foreach (var index in indexes)
            {
                c.Execute(tx, index);
            }
        }

        c.Execute(tx, "CREATE UNIQUE INDEX IF NOT EXISTS datasets_file_project ON datasets (file_sha256, dataset_index, project_id)");
    }

    /// <summary>
    /// Version 2: similarity vectors move into <c>embeddings</c> (one row per record, model and model version; the
    /// content descriptor becomes model <see cref="Embeddings.DescriptorModel"/>), and annotation regions given in
    /// preview pixels become regions in dataset coordinates (<see cref="AnnotationRegion"/>).
    /// </summary>
    private static void V2(DbConnection c, DbTransaction tx, Sql sql)
    {
        c.Execute(tx, $"CREATE TABLE IF NOT EXISTS embeddings (dataset_id TEXT NOT NULL, model TEXT NOT NULL, model_version TEXT NOT NULL, dims INTEGER NOT NULL, vector {sql.Blob} NOT NULL, created_ms BIGINT NOT NULL, PRIMARY KEY (dataset_id, model, model_version))");
        c.Execute(tx, "INSERT INTO embeddings (dataset_id, model, model_version, dims, vector, created_ms) SELECT id, @m, @v, @n, descriptor, ingested_ms FROM datasets WHERE descriptor IS NOT NULL",
            ("m", Embeddings.DescriptorModel), ("v", Embeddings.DescriptorVersion), ("n", Similarity.Descriptor.Length));
        c.Execute(tx, "ALTER TABLE datasets DROP COLUMN descriptor");

        var regions = c.Query(tx, "SELECT a.id, a.region, d.shape, d.nav_dims, d.signal_type, d.dtype, d.info FROM annotations a JOIN datasets d ON d.id = a.dataset_id WHERE a.region IS NOT NULL",
            r => (Id: r.Int64("id"), Region: r.GetString(1), Shape: r.GetString(2), Nav: Convert.ToInt32(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture), Signal: r.GetString(4), DType: r.GetString(5), Info: r.Text("info")));
        foreach (var a in regions)
        {
            var shape = JsonNode.Parse(a.Shape)!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            var converted = AnnotationRegion.FromPreviewPixels(a.Region, shape, a.Nav, a.Signal, a.DType, a.Info);
            c.Execute(tx, "UPDATE annotations SET region = @r WHERE id = @id", ("r", converted), ("id", a.Id));
        }
    }
}
