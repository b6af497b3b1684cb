using System.Globalization;
using Condenser.Data;

namespace Condenser.Processing.Analyses;

/// <summary>
/// Which input an analysis read: the file (path, size, modification time, tree hash, SHA-256 where known) and the
/// dataset within it. Held by the analysis' provenance.
/// </summary>
/// <param name="Path">Full path of the input file (null for data that was never a file: a pushed stream, an array).</param>
/// <param name="Bytes">Size of the file.</param>
/// <param name="Modified">Modification time of the file (UTC).</param>
/// <param name="TreeHash">The file's <see cref="Condenser.Data.Identity.FileTreeHash"/> (hex).</param>
/// <param name="Sha256">The file's SHA-256 (hex) where known: from the hash cache, or computed when asked for.</param>
/// <param name="Dataset">Name of the dataset within the file.</param>
/// <param name="Record">The catalogue record read (its id), when the input came from the library.</param>
public sealed record InputIdentity(string? Path, long? Bytes, DateTime? Modified, string? TreeHash, string? Sha256, string Dataset, string? Record = null);

/// <summary>
/// Where a result comes from: the analysis and its version, its parameters, its inputs, the software and the time.
/// Written the same way into EMD attributes, the catalogue's analyses and <c>--json</c> (<see cref="ToTree"/>).
/// </summary>
/// <param name="Analysis">Name of the analysis (as the CLI names the command).</param>
/// <param name="Version">Version of the analysis' method: it changes when the same parameters would give other numbers.</param>
/// <param name="Parameters">The validated parameters, units in the keys.</param>
/// <param name="Inputs">The inputs.</param>
/// <param name="Positions">Scan positions visited (null: the whole scan).</param>
/// <param name="Created">When the result was made (UTC).</param>
public sealed record AnalysisProvenance(string Analysis, int Version, MetadataTree Parameters, IReadOnlyList<InputIdentity> Inputs, long? Positions, DateTime Created)
{
    /// <summary>The software that made the result.</summary>
    public static string Software => "Condenser " + typeof(AnalysisProvenance).Assembly.GetName().Version;

    /// <summary>The provenance as a metadata tree (the EMD <c>provenance</c> group, the catalogue's and the JSON's form).</summary>
    public MetadataTree ToTree()
    {
        var t = new MetadataTree();
        t["analysis"] = Analysis;
        t["analysis_version"] = (long)Version;
        t["software"] = Software;
        var input = Inputs.Count > 0 ? Inputs[0] : null;
        t["input_file"] = input?.Path;
        t["input_bytes"] = input?.Bytes;
        t["input_modified"] = input?.Modified?.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        t["input_tree_hash"] = input?.TreeHash;
        t["input_tree_hash_algorithm"] = input?.TreeHash is null ? null : Condenser.Data.Identity.FileTreeHash.Algorithm;
        t["input_sha256"] = input?.Sha256;
        t["input_dataset"] = input?.Dataset;
        t["input_record"] = input?.Record;
        t["positions_visited"] = Positions;
        t["parameters"] = Parameters;
        t["created"] = Created.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return t;
    }

    /// <summary>Writes the provenance into <paramref name="dataset"/>'s original metadata (group <c>provenance</c>).</summary>
    public void WriteInto(EmDataset dataset)
    {
        var group = dataset.OriginalMetadata.Child("provenance");
        foreach (var (key, value) in ToTree().Items)
        {
            if (value is not null)
            {
                group[key] = value;
            }
        }
    }
}
