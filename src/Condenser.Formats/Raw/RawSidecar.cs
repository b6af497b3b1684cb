using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Data;

namespace Condenser.Formats.Raw;

/// <summary>The JSON sidecar of a raw file: shape, navigation dims, dtype, byte order, axes and normalised metadata.</summary>
public static class RawSidecar
{
    /// <summary>"data.raw" → "data.raw.json".</summary>
    public static string PathFor(string rawPath) => rawPath + ".json";

    /// <summary>Writes the sidecar of a dataset.</summary>
    public static void Write(string rawPath, EmDataset ds)
    {
        var o = new JsonObject
        {
            ["format"] = "condenser-raw",
            ["version"] = 1,
            ["name"] = ds.Name,
            ["shape"] = new JsonArray(ds.Shape.Dimensions.Select(d => (JsonNode)d).ToArray()),
            ["navigation_dims"] = ds.Shape.Navigation.Count,
            ["dtype"] = ds.DType.Name(),
            ["byte_order"] = "little",
            ["offset"] = 0,
            ["axes"] = MetadataJson.Axes(ds.Axes),
            ["metadata"] = MetadataJson.Normalised(ds.Metadata),
            ["original_metadata"] = MetadataJson.Tree(ds.OriginalMetadata),
        };
        File.WriteAllText(PathFor(rawPath), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Opens a raw file described by its sidecar.</summary>
    public static EmFile Open(string rawPath, string sidecarPath)
    {
        JsonNode root;
        try
        {
            if (new FileInfo(sidecarPath).Length > 64 << 20)
            {
                throw new EmFileException(sidecarPath, -1, "the sidecar is larger than 64 MiB");
            }

            root = JsonNode.Parse(File.ReadAllText(sidecarPath)) ?? throw new JsonException("empty");
            var shape = root["shape"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            int navDims = root["navigation_dims"]!.GetValue<int>();
            var dtype = DTypeInfo.Parse(root["dtype"]!.GetValue<string>());
            bool big = root["byte_order"]?.GetValue<string>() == "big";
            long offset = root["offset"]?.GetValue<long>() ?? 0;
            if (navDims < 0 || navDims > shape.Length || shape.Any(s => s < 0))
            {
                throw new EmFileException(sidecarPath, -1, "the sidecar's shape or navigation_dims are not valid");
            }

            var axes = root["axes"] is JsonArray a ? MetadataJson.ReadAxes(a) : null;
            if (axes is not null && (axes.Count != shape.Length || axes.Where((x, i) => x.Size != shape[i]).Any()))
            {
                throw new EmFileException(sidecarPath, -1, "the sidecar's axes do not match its shape");
            }

            var md = root["metadata"] is JsonObject m ? MetadataJson.ReadNormalised(m) : null;
            var original = root["original_metadata"] is JsonObject t ? MetadataJson.ReadTree(t) : null;
            return RawFormat.OpenWith(rawPath, shape[..navDims], shape[navDims..], dtype, offset, big, axes, md, original);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new EmFileException(sidecarPath, -1, $"the JSON sidecar is not valid: {e.Message}", e);
        }
    }
}
