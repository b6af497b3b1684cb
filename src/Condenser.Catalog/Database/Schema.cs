namespace Condenser.Catalog.Database;

/// <summary>The catalogue's tables, created when missing (version 1). Times are milliseconds since 1970 UTC.</summary>
public static class Schema
{
    /// <summary>The schema version this build writes.</summary>
    public const int Version = 1;

    private static string[] Statements(Sql sql) =>
    [
        "CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL)",
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

    /// <summary>Creates what is missing; concurrent starts on PostgreSQL take an advisory lock so that only one creates.</summary>
    public static void Apply(CatalogDb db)
    {
        db.Write((c, tx) =>
        {
            if (db.IsPostgres)
            {
                c.Scalar(tx, "SELECT pg_advisory_xact_lock(7140521)");
            }

            foreach (var s in Statements(db.Sql))
            {
                c.Execute(tx, s);
            }

            var v = c.Scalar(tx, "SELECT MAX(version) FROM schema_info");
            int stored = v is null ? Version : Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture);
            if (stored > Version)
            {
                throw new CatalogException(CatalogError.Conflict, $"the catalogue was written by a newer Condenser (schema {v}; this build reads {Version})");
            }

            if (v is null || stored < Version)
            {
                c.Execute(tx, "DELETE FROM schema_info");
                c.Execute(tx, "INSERT INTO schema_info (version) VALUES (@v)", ("v", Version));
            }

            c.Execute(tx, "INSERT INTO counters (name, value) VALUES ('seq', 0) ON CONFLICT (name) DO NOTHING");
            return 0;
        });
    }

    /// <summary>The next change-feed sequence number (inside the caller's write transaction).</summary>
    public static long NextSeq(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx) =>
        Convert.ToInt64(c.Scalar(tx, "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value"), System.Globalization.CultureInfo.InvariantCulture);
}
