using System.Text.Json.Nodes;

namespace Condenser.Formats.Tests;

/// <summary>A <c>*.reference.json</c> made by RosettaSciIO: what an established reader saw in a fixture.</summary>
public sealed record Reference(string File, string? Error, IReadOnlyList<ReferenceDataset> Datasets)
{
    public static Reference Load(string relative)
    {
        var o = JsonNode.Parse(System.IO.File.ReadAllText(TestData.File(relative) + ".reference.json"))!.AsObject();
        var sets = o["datasets"] is JsonArray a ? a.Select(d => ReferenceDataset.From(d!.AsObject())).ToList() : [];
        return new Reference(relative, o["error"]?.GetValue<string>(), sets);
    }
}

public sealed record ReferenceAxis(string Name, int Size, double Scale, double Offset, string Units);

public sealed record ReferenceDataset(int[] Shape, string DType, string Sha256, Dictionary<string, string> Transposed, ReferenceAxis[] Axes, JsonObject Stats, JsonObject Metadata)
{
    public static ReferenceDataset From(JsonObject d) => new(
        d["shape"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray(),
        d["dtype"]!.GetValue<string>(),
        d["sha256"]!.GetValue<string>(),
        d["sha256_transposed"] is JsonObject t ? t.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>()) : [],
        d["axes"]!.AsArray().Select(a => new ReferenceAxis(
            a!["name"]?.GetValue<string>() ?? string.Empty,
            a["size"]!.GetValue<int>(),
            a["scale"] is JsonValue sv && sv.TryGetValue<double>(out var s) ? s : 1.0,
            a["offset"] is JsonValue ov && ov.TryGetValue<double>(out var of) ? of : 0.0,
            a["units"]?.GetValue<string>() ?? string.Empty)).ToArray(),
        d["stats"]!.AsObject(),
        d["metadata"]!.AsObject());
}
