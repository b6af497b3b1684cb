using System.Text.Json.Nodes;
using Condenser.Data;

namespace Condenser.Formats;

/// <summary>The stable JSON description of a file (<c>condenser info --json</c>): other tools rely on it.</summary>
public static class DatasetDescription
{
    /// <summary>Describes every dataset of a file; statistics and hashes stream through the data once per dataset.</summary>
    public static JsonObject Describe(EmFile file, bool original = false, CancellationToken cancel = default, Func<EmDataset, IProgress<double>?>? progress = null)
    {
        var list = new JsonArray();
        foreach (var ds in file.Datasets)
        {
            list.Add(Describe(ds, DatasetSummary.Compute(ds, cancel, progress?.Invoke(ds)), original));
        }

        return new JsonObject
        {
            ["file"] = Path.GetFileName(file.Path),
            ["format"] = file.Format,
            ["datasets"] = list,
        };
    }

    /// <summary>One dataset with its summary.</summary>
    public static JsonObject Describe(EmDataset ds, DatasetSummary s, bool original)
    {
        // JSON has no NaN or infinity: a sum of finite values that overflows is written as null.
        var stats = new JsonObject
        {
            ["min"] = Finite(s.Min),
            ["max"] = Finite(s.Max),
            ["mean"] = Finite(s.Mean),
            ["sum"] = Finite(s.Sum),
        };
        if (s.SumImaginary is { } im)
        {
            stats["sum_imag"] = Finite(im);
        }

        if (s.HasNonFinite)
        {
            stats["nan"] = s.NaNCount;
            stats["positive_infinity"] = s.PositiveInfinityCount;
            stats["negative_infinity"] = s.NegativeInfinityCount;
        }

        var o = new JsonObject
        {
            ["name"] = ds.Name,
            ["shape"] = new JsonArray(ds.Shape.Dimensions.Select(d => (JsonNode)d).ToArray()),
            ["navigation_dims"] = ds.Shape.Navigation.Count,
            ["dtype"] = ds.DType.Name(),
            ["axes"] = MetadataJson.Axes(ds.Axes),
            ["stats"] = stats,
            ["sha256"] = s.Sha256,
            ["metadata"] = MetadataJson.Normalised(ds.Metadata),
        };
        if (original)
        {
            o["original_metadata"] = MetadataJson.Tree(ds.OriginalMetadata);
        }

        return o;
    }

    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;
}
