using System.Text.Json;

namespace Condenser.Learning.Segmentation;

/// <summary>
/// A pixel classifier saved as JSON: format name and version, the filter bank (its version, scales and feature names),
/// what the training saw (labelled pixels, shots, samples per class; the training image's pixel size) and the
/// forest's trees as flat arrays. Reading checks every field and every tree index, so a damaged or foreign file is
/// one clear error, never a crash or a loop.
/// </summary>
public static class ClassifierFile
{
    /// <summary>The format's name, the file's first field.</summary>
    public const string FormatName = "condenser pixel classifier";

    /// <summary>Version of the file format.</summary>
    public const int FormatVersion = 1;

    /// <summary>Largest model file read (bytes).</summary>
    public const long MaxBytes = 512L << 20;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (through a temporary file, so a failed write leaves no half model).</summary>
    public static void Save(string path, PixelClassifier model)
    {
        var tmp = path + ".partial";
        using (var stream = File.Create(tmp))
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", FormatVersion);
            json.WriteStartObject("filter_bank");
            json.WriteNumber("version", FilterBank.Version);
            Numbers(json, "scales", model.Bank.Scales);
            json.WriteStartArray("features");
            foreach (var n in model.Bank.Names)
            {
                json.WriteStringValue(n);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteNumber("classes", model.Classes);
            var t = model.Training;
            json.WriteStartObject("training");
            Numbers(json, "labelled_pixels", t.LabelledPixels.Select(v => (double)v));
            Numbers(json, "shots", t.Shots.Select(v => (double)v));
            Numbers(json, "samples_used", t.SamplesUsed.Select(v => (double)v));
            if (t.PixelSize is { } size)
            {
                json.WriteNumber("pixel_size", size);
                json.WriteString("units", t.Units ?? "");
            }

            json.WriteEndObject();
            json.WriteStartArray("trees");
            foreach (var tree in model.Forest.Trees)
            {
                json.WriteStartObject();
                Numbers(json, "feature", tree.Feature.Select(v => (double)v));
                json.WriteStartArray("threshold");
                foreach (var v in tree.Threshold)
                {
                    json.WriteNumberValue(v);
                }

                json.WriteEndArray();
                Numbers(json, "left", tree.Left.Select(v => (double)v));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads a model written by <see cref="Save"/>; a file that is not one, or is damaged, is an <see cref="InvalidDataException"/> naming the path and what is wrong.</summary>
    public static PixelClassifier Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: no such model file", path);
        }

        if (info.Length > MaxBytes)
        {
            throw new InvalidDataException($"{path}: {info.Length} bytes is larger than any pixel classifier ({MaxBytes >> 20} MiB at most)");
        }

        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
            {
                throw new InvalidDataException($"not a pixel classifier (its first field must be \"format\": \"{FormatName}\")");
            }

            int version = Int(root, "version");
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"pixel classifier format version {version}; this program reads version {FormatVersion}");
            }

            var bankElement = Get(root, "filter_bank", JsonValueKind.Object);
            int bankVersion = Int(bankElement, "version");
            if (bankVersion != FilterBank.Version)
            {
                throw new InvalidDataException($"filter bank version {bankVersion}; this program computes version {FilterBank.Version} (retrain the model)");
            }

            var bank = new FilterBank(Array(bankElement, "scales", e => e.GetDouble()));
            var names = Array(bankElement, "features", e => e.GetString() ?? "");
            if (!names.SequenceEqual(bank.Names))
            {
                throw new InvalidDataException($"the model's {names.Length} features are not this filter bank's {bank.Count}");
            }

            int classes = Int(root, "classes");
            var training = Get(root, "training", JsonValueKind.Object);
            var summary = new TrainingSummary(
                Array(training, "labelled_pixels", e => e.GetInt64()),
                Array(training, "shots", e => e.GetInt32()),
                Array(training, "samples_used", e => e.GetInt32()),
                training.TryGetProperty("pixel_size", out var ps) && ps.ValueKind == JsonValueKind.Number ? ps.GetDouble() : null,
                training.TryGetProperty("units", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null);
            var trees = Get(root, "trees", JsonValueKind.Array).EnumerateArray().Select(t => new ForestTree(
                Array(t, "feature", e => e.GetInt32()),
                Array(t, "threshold", e => e.GetSingle()),
                Array(t, "left", e => e.GetInt32()))).ToArray();
            var forest = RandomForest.FromTrees(bank.Count, classes, trees);
            if (summary.LabelledPixels.Length != classes || summary.Shots.Length != classes || summary.SamplesUsed.Length != classes)
            {
                throw new InvalidDataException($"the training summary does not list {classes} classes");
            }

            return new PixelClassifier(bank, forest, summary);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static void Numbers(Utf8JsonWriter json, string name, IEnumerable<double> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            json.WriteNumberValue(v);
        }

        json.WriteEndArray();
    }

    private static JsonElement Get(JsonElement e, string name, JsonValueKind kind)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind != kind)
        {
            throw new InvalidDataException($"the field \"{name}\" is missing or not {(kind == JsonValueKind.Array ? "an array" : kind == JsonValueKind.Object ? "an object" : "a number")}");
        }

        return v;
    }

    private static int Int(JsonElement e, string name) =>
        Get(e, name, JsonValueKind.Number).TryGetInt32(out var v) ? v : throw new InvalidDataException($"the field \"{name}\" is not a whole number");

    private static T[] Array<T>(JsonElement e, string name, Func<JsonElement, T> read) =>
        [.. Get(e, name, JsonValueKind.Array).EnumerateArray().Select(read)];
}
