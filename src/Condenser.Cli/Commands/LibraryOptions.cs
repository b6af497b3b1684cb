using System.CommandLine;
using Condenser.Catalog;

namespace Condenser.Cli.Commands;

/// <summary>Where a library command works: a data folder (and database) here, or a running server.</summary>
internal sealed class LibraryOptions(bool remote)
{
    public Option<string?> Data { get; } = new("--data") { Description = "the library's data folder (default: $CONDENSER_DATA, else a per-user folder)" };

    public Option<string?> Db { get; } = new("--db") { Description = "PostgreSQL connection string (Host=…;Database=…;Username=…) or postgres:// URL; default SQLite in the data folder" };

    public Option<string?> Server { get; } = new("--server") { Description = "URL of a running Condenser server (instead of --data)" };

    public Option<string?> Token { get; } = new("--token") { Description = "API token for --server (default: $CONDENSER_TOKEN)" };

    public void AddTo(Command c)
    {
        c.Options.Add(Data);
        c.Options.Add(Db);
        if (remote)
        {
            c.Options.Add(Server);
            c.Options.Add(Token);
        }
    }

    public string DataDirectory(ParseResult r) => r.GetValue(Data) ?? Catalog.Library.DefaultDataDirectory();

    public Catalog.Library OpenCatalog(ParseResult r) => Catalog.Library.Open(DataDirectory(r), r.GetValue(Db) ?? Environment.GetEnvironmentVariable("CONDENSER_DB"));

    public (string Url, string? Token)? Remote(ParseResult r)
    {
        var url = r.GetValue(Server);
        if (url is null)
        {
            return null;
        }

        if (r.GetValue(Data) is not null)
        {
            throw new ArgumentException("give --data or --server, not both");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--server '{url}' is not an http(s) URL");
        }

        return (url.TrimEnd('/'), r.GetValue(Token) ?? Environment.GetEnvironmentVariable("CONDENSER_TOKEN"));
    }
}
