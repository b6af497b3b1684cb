using System.Data.Common;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;

namespace Condenser.Catalog.Records;

/// <summary>
/// What a dataset was made from, as its own provenance says (the <c>provenance</c> group Condenser writes into every
/// result: EMD files of the CLI, records the server's analyses store): the analysis and the input's identity.
/// </summary>
/// <param name="Analysis">Name of the analysis.</param>
/// <param name="InputSha256">SHA-256 of the input file (hex) where the provenance holds it.</param>
/// <param name="InputTreeHash">Tree hash of the input file (hex) where the provenance holds it.</param>
/// <param name="InputDataset">Name of the dataset within the input file.</param>
/// <param name="InputRecord">The catalogue record the input was, when it came from a library.</param>
public sealed record Derivation(string Analysis, string? InputSha256, string? InputTreeHash, string? InputDataset, string? InputRecord)
{
    /// <summary>The derivation a provenance tree (as JSON) states; null when it names no analysis or no input identity.</summary>
    public static Derivation? From(JsonNode? provenance)
    {
        if (provenance is not JsonObject p || Text(p, "analysis") is not { } analysis)
        {
            return null;
        }

        var d = new Derivation(analysis, Hex(Text(p, "input_sha256"), 64), Hex(Text(p, "input_tree_hash"), 32), Text(p, "input_dataset"), Text(p, "input_record"));
        return d.InputSha256 is null && d.InputTreeHash is null && d.InputRecord is null ? null : d;
    }

    private static string? Text(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length is > 0 and <= 1000 ? s : null;

    private static string? Hex(string? s, int length) => s is not null && s.Length == length && s.All(Uri.IsHexDigit) ? s.ToLowerInvariant() : null;
}

/// <summary>A record at the other end of a derivation: what it is and by which analysis it is linked.</summary>
/// <param name="Id">Record id.</param>
/// <param name="Title">Title (or file name).</param>
/// <param name="File">File name.</param>
/// <param name="Dataset">Dataset name within the file.</param>
/// <param name="SignalType">Signal type.</param>
/// <param name="Analysis">The analysis that made the derived record.</param>
public sealed record LinkedRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("signal_type")] string SignalType,
    [property: JsonPropertyName("analysis")] string Analysis);

/// <summary>A record's chain both ways, restricted to the records the caller may read.</summary>
/// <param name="MadeFrom">The records this one was computed from (its provenance's input, matched by SHA-256 or tree hash and dataset name).</param>
/// <param name="MadeInto">The records computed from this one.</param>
/// <param name="Analysis">The analysis that made this record (null: it is not a derived result).</param>
/// <param name="InputUnknown">True when the provenance names an input that no record the caller may read is.</param>
public sealed record LineageView(
    [property: JsonPropertyName("made_from")] IReadOnlyList<LinkedRecord> MadeFrom,
    [property: JsonPropertyName("made_into")] IReadOnlyList<LinkedRecord> MadeInto,
    [property: JsonPropertyName("analysis")] string? Analysis,
    [property: JsonPropertyName("input_unknown")] bool InputUnknown);

/// <summary>The derivations table and the file hashes it matches on.</summary>
internal static class Derivations
{
    /// <summary>Stores a file's tree hash beside its SHA-256 (once per file).</summary>
    public static void RememberTreeHash(DbConnection c, DbTransaction tx, string sha256, string? treeHash)
    {
        if (treeHash is not null)
        {
            c.Execute(tx, "INSERT INTO file_hashes (sha256, tree_hash) VALUES (@s, @t) ON CONFLICT (sha256) DO NOTHING", ("s", sha256), ("t", treeHash));
        }
    }

    /// <summary>Stores what record <paramref name="datasetId"/> was made from.</summary>
    public static void Insert(DbConnection c, DbTransaction tx, string datasetId, Derivation d) =>
        c.Execute(tx, "INSERT INTO derivations (dataset_id, analysis, input_sha256, input_tree_hash, input_dataset, input_record) VALUES (@d, @a, @s, @t, @n, @r)",
            ("d", datasetId), ("a", d.Analysis), ("s", d.InputSha256), ("t", d.InputTreeHash), ("n", d.InputDataset), ("r", d.InputRecord));

    /// <summary>Version 5 of the schema: the tables, and the derivations of records ingested before (from the provenance their description kept).</summary>
    public static void Migrate(DbConnection c, DbTransaction tx, Sql sql)
    {
        c.Execute(tx, "CREATE TABLE IF NOT EXISTS file_hashes (sha256 TEXT PRIMARY KEY, tree_hash TEXT NOT NULL)");
        c.Execute(tx, "CREATE INDEX IF NOT EXISTS file_hashes_tree ON file_hashes (tree_hash)");
        c.Execute(tx, $"CREATE TABLE IF NOT EXISTS derivations (id {sql.AutoId}, dataset_id TEXT NOT NULL, analysis TEXT NOT NULL, input_sha256 TEXT, input_tree_hash TEXT, input_dataset TEXT, input_record TEXT)");
        c.Execute(tx, "CREATE INDEX IF NOT EXISTS derivations_dataset ON derivations (dataset_id)");
        c.Execute(tx, "CREATE INDEX IF NOT EXISTS derivations_sha ON derivations (input_sha256)");
        c.Execute(tx, "CREATE INDEX IF NOT EXISTS derivations_tree ON derivations (input_tree_hash)");
        var found = c.Query(tx, "SELECT d.id, d.info FROM datasets d WHERE d.info LIKE '%\"provenance\"%' AND NOT EXISTS (SELECT 1 FROM derivations x WHERE x.dataset_id = d.id)", r => (Id: r.GetString(0), Info: r.GetString(1)));
        foreach (var (id, info) in found)
        {
            JsonNode? node = null;
            try
            {
                node = JsonNode.Parse(info)?["original_metadata"]?["provenance"];
            }
            catch (System.Text.Json.JsonException)
            {
                // A description that is not JSON says nothing of where the data came from.
            }

            if (Derivation.From(node) is { } d)
            {
                Insert(c, tx, id, d);
            }
        }
    }
}
