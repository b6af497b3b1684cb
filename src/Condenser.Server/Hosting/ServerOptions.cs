namespace Condenser.Server.Hosting;

/// <summary>How <c>condenser serve</c> runs.</summary>
public sealed record ServerOptions
{
    /// <summary>The data folder (database, store).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>PostgreSQL connection string; null: SQLite in the data folder.</summary>
    public string? Database { get; init; }

    /// <summary>Listen URLs (semicolon-separated).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5080";

    /// <summary>Largest upload accepted (all files of one request).</summary>
    /// <remarks>Units: bytes.</remarks>
    public long MaxUploadBytes { get; init; } = 64L << 30;

    /// <summary>A folder watched for new files (instrument PCs drop them there); null: none.</summary>
    public string? DropFolder { get; init; }

    /// <summary>Project that dropped files go to.</summary>
    public string DropProject { get; init; } = "drop";

    /// <summary>Peers whose public records are pulled periodically.</summary>
    public IReadOnlyList<string> Peers { get; init; } = [];

    /// <summary>How often peers and the drop folder are polled.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Stored objects no record references are removed once they are this old (at start and hourly).</summary>
    public TimeSpan OrphanAge { get; init; } = Catalog.Library.DefaultOrphanAge;

    /// <summary>The folder of the web UI (default: wwwroot beside the assembly).</summary>
    public string? WebRoot { get; init; }
}
