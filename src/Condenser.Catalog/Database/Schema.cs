namespace Condenser.Catalog.Database;

/// <summary>
/// The catalogue's tables, by numbered migrations (<see cref="Migrations"/>): each applied in order, in a transaction
/// of its own, and recorded in <c>schema_migrations</c>; a library written by a newer Condenser is refused. Times are
/// milliseconds since 1970 UTC.
/// </summary>
public static class Schema
{
    /// <summary>The schema version this build writes (the last migration).</summary>
    public static int Version => Migrations.All[^1].Version;

    /// <summary>Brings the library to <see cref="Version"/>; concurrent starts on PostgreSQL take an advisory lock so that only one migrates.</summary>
    public static void Apply(CatalogDb db)
    {
        db.Write((c, tx) =>
        {
            Lock(db, c, tx);
            c.Execute(tx, "CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL)");
            c.Execute(tx, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)");
            return 0;
        });

        foreach (var m in Migrations.All)
        {
            db.Write((c, tx) =>
            {
                Lock(db, c, tx);
                int current = Current(c, tx);
                if (current > Version)
                {
                    throw new CatalogException(CatalogError.Conflict, $"the catalogue was written by a newer Condenser (schema {current}; this build reads {Version})");
                }

                if (current >= m.Version)
                {
                    return 0;
                }

                m.Apply(c, tx, db.Sql);
                c.Execute(tx, "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (@v, @n, @t)", ("v", (object)m.Version), ("n", m.Name), ("t", Access.Clock.NowMs()));
                c.Execute(tx, "DELETE FROM schema_info");
                c.Execute(tx, "INSERT INTO schema_info (version) VALUES (@v)", ("v", (object)m.Version));
                return 0;
            });
        }

        db.Write((c, tx) =>
        {
            int current = Current(c, tx);
            if (current > Version)
            {
                throw new CatalogException(CatalogError.Conflict, $"the catalogue was written by a newer Condenser (schema {current}; this build reads {Version})");
            }

            c.Execute(tx, "INSERT INTO counters (name, value) VALUES ('seq', 0) ON CONFLICT (name) DO NOTHING");
            return 0;
        });
    }

    /// <summary>The library's version: the last migration recorded, or (a library from before migrations were recorded) <c>schema_info</c>'s.</summary>
    public static int Current(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx)
    {
        var migrated = c.Scalar(tx, "SELECT MAX(version) FROM schema_migrations");
        var info = c.Scalar(tx, "SELECT MAX(version) FROM schema_info");
        int a = migrated is null or DBNull ? 0 : Convert.ToInt32(migrated, System.Globalization.CultureInfo.InvariantCulture);
        int b = info is null or DBNull ? 0 : Convert.ToInt32(info, System.Globalization.CultureInfo.InvariantCulture);
        return Math.Max(a, b);
    }

    private static void Lock(CatalogDb db, System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx)
    {
        if (db.IsPostgres)
        {
            c.Scalar(tx, "SELECT pg_advisory_xact_lock(7140521)");
        }
    }

    /// <summary>The next change-feed sequence number (inside the caller's write transaction).</summary>
    public static long NextSeq(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx) =>
        Convert.ToInt64(c.Scalar(tx, "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value"), System.Globalization.CultureInfo.InvariantCulture);
}
