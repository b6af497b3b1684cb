using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Condenser.Catalog.Database;

/// <summary>
/// The catalogue's database: SQLite in the data folder by default, PostgreSQL when given a connection string
/// (<c>Host=…;Database=…</c> or a <c>postgres://</c> URL). Both run the same SQL; <see cref="Sql"/> holds the few
/// places where they differ.
/// </summary>
public sealed class CatalogDb : IDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqlite;

    private CatalogDb(NpgsqlDataSource? postgres, string? sqlite)
    {
        _postgres = postgres;
        _sqlite = sqlite;
    }

    /// <summary>True on PostgreSQL, false on SQLite.</summary>
    public bool IsPostgres => _postgres is not null;

    /// <summary>A short description for logs: the engine and where it is (no password).</summary>
    public string Describe { get; private init; } = string.Empty;

    /// <summary>Opens the database named by <paramref name="connection"/>, or SQLite at <c>DATA/catalog.db</c> when it is null.</summary>
    public static CatalogDb Open(string? connection, string dataDirectory)
    {
        CatalogDb db;
        if (string.IsNullOrWhiteSpace(connection) || connection.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) || connection.EndsWith(".db", StringComparison.OrdinalIgnoreCase))
        {
            string file = string.IsNullOrWhiteSpace(connection) ? Path.Combine(dataDirectory, "catalog.db")
                : connection.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) ? connection[7..] : connection;
            var cs = new SqliteConnectionStringBuilder { DataSource = file, Pooling = true, DefaultTimeout = 30 }.ToString();
            db = new CatalogDb(null, cs) { Describe = $"SQLite {Path.GetFullPath(file)}" };
        }
        else
        {
            string cs = connection.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) && connection.Contains("://", StringComparison.Ordinal)
                ? FromUrl(connection) : connection;
            NpgsqlConnectionStringBuilder b;
            try
            {
                b = new NpgsqlConnectionStringBuilder(cs);
            }
            catch (ArgumentException e)
            {
                throw new CatalogException(CatalogError.Invalid, $"--db: not a PostgreSQL connection string: {e.Message}", e);
            }

            db = new CatalogDb(NpgsqlDataSource.Create(b), null) { Describe = $"PostgreSQL {b.Host}:{b.Port}/{b.Database}" };
        }

        try
        {
            Schema.Apply(db);
        }
        catch
        {
            db.Dispose(); // a refused database keeps no pooled connection open
            throw;
        }

        return db;
    }

    /// <summary>Turns <c>postgres://user:pass@host:port/db</c> into a key-value connection string.</summary>
    private static string FromUrl(string url)
    {
        var u = new Uri(url);
        var b = new NpgsqlConnectionStringBuilder { Host = u.Host, Port = u.Port > 0 ? u.Port : 5432, Database = u.AbsolutePath.Trim('/') };
        if (u.UserInfo.Length > 0)
        {
            var parts = u.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length > 1)
            {
                b.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        return b.ToString();
    }

    /// <summary>An open connection (pooled); the caller disposes it.</summary>
    public DbConnection Connect()
    {
        if (_postgres is not null)
        {
            return _postgres.OpenConnection();
        }

        var c = new SqliteConnection(_sqlite);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
        cmd.ExecuteNonQuery();
        return c;
    }

    /// <summary>Runs <paramref name="work"/> in one transaction (SQLite: BEGIN IMMEDIATE, so writers queue instead of failing), committing when it returns.</summary>
    public T Write<T>(Func<DbConnection, DbTransaction, T> work)
    {
        using var c = Connect();
        using var tx = c is SqliteConnection s ? s.BeginTransaction(deferred: false) : c.BeginTransaction();
        var result = work(c, tx);
        tx.Commit();
        return result;
    }

    /// <summary>Runs <paramref name="work"/> on an open connection.</summary>
    public T Read<T>(Func<DbConnection, T> work)
    {
        using var c = Connect();
        return work(c);
    }

    /// <summary>The dialect's spellings.</summary>
    public Sql Sql => IsPostgres ? Sql.Postgres : Sql.Sqlite;

    /// <inheritdoc/>
    public void Dispose() => _postgres?.Dispose();
}

/// <summary>Where SQLite and PostgreSQL spell things differently.</summary>
/// <param name="Blob">The binary column type.</param>
/// <param name="AutoId">An auto-incrementing 64-bit primary key column.</param>
public sealed record Sql(string Blob, string AutoId)
{
    /// <summary>SQLite.</summary>
    public static Sql Sqlite { get; } = new("BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT");

    /// <summary>PostgreSQL.</summary>
    public static Sql Postgres { get; } = new("BYTEA", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY");
}
