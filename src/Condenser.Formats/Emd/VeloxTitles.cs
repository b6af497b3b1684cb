using System.Text.Json.Nodes;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// The name of each image of a Velox file, by its key under <c>/Data/Image</c>, as HyperSpy names them: from the
/// operation that produced it (<c>/Operations</c>: a camera's name, a STEM detector, iDPC/dDPC and "Filtered" for a
/// surface reconstruction, A-C/B-D for a detector difference, DPC, DCFI, "Half FFT"), else the label of its display
/// (<c>/Presentation/Displays/ImageDisplay</c>). Absent or unreadable entries leave the key unnamed.
/// </summary>
internal static class VeloxTitles
{
    private const int MaxEntries = 4096;

    public static Dictionary<string, string> Read(IH5Group root)
    {
        var titles = new Dictionary<string, string>(StringComparer.Ordinal);
        void Name(JsonNode? path, string? title)
        {
            if (Key(path) is { } key && !string.IsNullOrEmpty(title))
            {
                titles.TryAdd(key, title);
            }
        }

        static string? Text(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        static string Dpc(JsonObject o) => Text(o["integrationMode"]) == "true" ? "iDPC" : "dDPC";

        // HyperSpy's order: the first operation naming a key wins.
        foreach (var o in Entries(root, "Operations", "CameraInputOperation"))
        {
            Name(o["dataPath"], Text(o["cameraName"]));
        }

        foreach (var o in Entries(root, "Operations", "StemInputOperation"))
        {
            Name(o["dataPath"], Text(o["detector"]));
        }

        foreach (var o in Entries(root, "Operations", "SurfaceReconstructionOperation"))
        {
            Name(o["unfilteredDataPath"], Dpc(o));
            Name(o["dataPath"], Text(o["enableFilter"]) == "true" ? "Filtered " + Dpc(o) : Dpc(o));
        }

        foreach (var o in Entries(root, "Operations", "MathematicsOperation"))
        {
            var input = Text(o["outputs"]?[0]?["inputIndex"]);
            Name(o["dataPath"], input == "0" ? "A-C" : input == "1" ? "B-D" : null);
        }

        foreach (var (operation, title) in new[] { ("DpcOperation", "DPC"), ("IntegrationOperation", "DCFI") })
        {
            foreach (var o in Entries(root, "Operations", operation))
            {
                Name(o["dataPath"], title);
            }
        }

        foreach (var o in Entries(root, "Operations", "FftOperation"))
        {
            Name(o["imageOutputPath"], "Half FFT");
        }

        foreach (var o in Entries(root, "Presentation", "Displays", "ImageDisplay"))
        {
            Name(o["dataPath"], Text(o["display"]?["label"]) is { } label ? Uri.UnescapeDataString(label) : null);
        }

        return titles;
    }

    /// <summary>The image key at the end of a data path ("/Data/Image/48ec…" → "48ec…").</summary>
    private static string? Key(JsonNode? path)
        => path is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s.TrimEnd('/').Split('/')[^1] : null;

    /// <summary>The JSON objects held by the datasets of one group (each a one-element text array).</summary>
    private static IEnumerable<JsonObject> Entries(IH5Group root, params string[] path)
    {
        IH5Group g = root;
        foreach (var p in path)
        {
            if (!g.LinkExists(p) || g.Get(p) is not IH5Group next)
            {
                yield break;
            }

            g = next;
        }

        foreach (var d in g.Children().OfType<IH5Dataset>().Take(MaxEntries))
        {
            JsonObject? o = null;
            try
            {
                o = VeloxReader.TextOf(d) is { } text ? JsonNode.Parse(text) as JsonObject : null;
            }
            catch (System.Text.Json.JsonException)
            {
            }

            if (o is not null)
            {
                yield return o;
            }
        }
    }
}
