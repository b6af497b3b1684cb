using System.Text.Json.Serialization;
using Condenser.Catalog.Access;

namespace Condenser.Catalog.Ingest;

/// <summary>What became of one file handed to ingest (in JSON: its name in lower case).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IngestStatus>))]
public enum IngestStatus
{
    /// <summary>New records were committed for it.</summary>
    [JsonStringEnumMemberName("ingested")]
    Ingested,

    /// <summary>Its content (SHA-256) was already in the library; the existing records' ids are given.</summary>
    [JsonStringEnumMemberName("duplicate")]
    Duplicate,

    /// <summary>Not a file ingest reads (a companion of another file, or not a known format when scanning a folder).</summary>
    [JsonStringEnumMemberName("skipped")]
    Skipped,

    /// <summary>Refused: unreadable, malformed or not allowed; nothing of it was stored.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>The names of ingest statuses in JSON (lower case).</summary>
public static class IngestStatusNames
{
    /// <summary>The status's JSON name (<c>ingested</c>, <c>duplicate</c>, <c>skipped</c>, <c>failed</c>).</summary>
    public static string Name(this IngestStatus s) => s.ToString().ToLowerInvariant();

    /// <summary>Parses a JSON name (case-insensitive), refusing numbers and unknown names.</summary>
    public static IngestStatus Parse(string s) => Enum.TryParse<IngestStatus>(s, true, out var v) && !int.TryParse(s, out _)
        ? v
        : throw new CatalogException(CatalogError.Invalid, $"unknown ingest status '{s}' (ingested, duplicate, skipped, failed)");
}
