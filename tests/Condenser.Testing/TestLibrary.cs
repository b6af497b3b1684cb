using Condenser.Catalog;
using Npgsql;

namespace Condenser.Testing;

/// <summary>
/// A fresh library for one test on SQLite (a temporary folder) or on PostgreSQL (a new database on the server named by
/// <c>CONDENSER_TEST_POSTGRES</c>, dropped afterwards). Without that variable the PostgreSQL cases are skipped locally;
/// CI sets it and starts the server.
/// </summary>
public sealed class TestLibrary : IDisposable
{
    /// <summary>The two backends, for [Theory] data.</summary>
    public static TheoryData<string> Backends => new("sqlite", "postgres");

    /// <summary>The PostgreSQL server for tests, or null.</summary>
    public static string? PostgresServer => Environment.GetEnvironmentVariable("CONDENSER_TEST_POSTGRES") is { Length: > 0 } s ? s : null;

    private readonly string? _database;

    private TestLibrary(string folder, string? connection, string? database)
    {
        Folder = folder;
        Connection = connection;
        _database = database;
    }

    /// <summary>The data folder.</summary>
    public string Folder { get; }

    /// <summary>The connection string (null: SQLite in the folder).</summary>
    public string? Connection { get; }

    /// <summary>Creates a library on <paramref name="backend"/>; skips the test when PostgreSQL is asked for and not configured.</summary>
    public static TestLibrary Create(string backend)
    {
        var folder = Path.Combine(Path.GetTempPath(), "condenser-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        if (backend == "sqlite")
        {
            return new TestLibrary(folder, null, null);
        }

        var server = PostgresServer;
        if (server is null)
        {
            Assert.Skip("CONDENSER_TEST_POSTGRES is not set (CI sets it and starts PostgreSQL)");
        }

        var name = "condenser_t_" + Guid.NewGuid().ToString("N")[..16];
        using (var c = new NpgsqlConnection(server))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE DATABASE {name}";
            cmd.ExecuteNonQuery();
        }

        var b = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new TestLibrary(folder, b.ToString(), name);
    }

    /// <summary>Opens the catalogue.</summary>
    public Library Open() => Library.Open(Folder, Connection);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            using var c = new NpgsqlConnection(PostgresServer);
            c.Open();

            // The catalogue's connections are closed by now; an autovacuum worker may still hold the database for a
            // moment (and FORCE may not end a superuser's process), so try a few times.
            for (int attempt = 0; attempt < 10; attempt++)
            {
                try
                {
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = $"DROP DATABASE IF EXISTS {_database}";
                    cmd.ExecuteNonQuery();
                    break;
                }
                catch (PostgresException e) when (e.SqlState is "55006" or "42501")
                {
                    Thread.Sleep(250);
                }
            }
        }

        try
        {
            foreach (var f in Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(f, FileAttributes.Normal);
            }

            Directory.Delete(Folder, true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>../shared/testdata.</summary>
    public static string TestData => Testing.TestData.Root;

    /// <summary>Copies some test files into a fresh folder (so a test controls exactly what is ingested).</summary>
    public string CopyFixtures(params string[] relative)
    {
        var dir = Path.Combine(Folder, "in-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        foreach (var r in relative)
        {
            File.Copy(Path.Combine(TestData, r), Path.Combine(dir, Path.GetFileName(r)));
        }

        return dir;
    }
}
