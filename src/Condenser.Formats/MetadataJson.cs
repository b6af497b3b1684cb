using System.Text.Json.Nodes;
using Condenser.Data;

namespace Condenser.Formats;

/// <summary>JSON forms of axes, normalised metadata and metadata trees, shared by the CLI, sidecars and HDF5 attributes.</summary>
public static class MetadataJson
{
    /// <summary>Axes as the stable <c>info --json</c> schema writes them.</summary>
    public static JsonArray Axes(IReadOnlyList<Axis> axes) => new(axes.Select(a => (JsonNode)new JsonObject
    {
        ["name"] = a.Name,
        ["size"] = a.Size,
        ["scale"] = a.Scale,
        ["offset"] = a.Offset,
        ["units"] = a.Units,
        ["navigate"] = a.Navigate,
    }).ToArray());

    /// <summary>Reads axes written by <see cref="Axes"/>.</summary>
    public static List<Axis> ReadAxes(JsonArray a) => a.Select(n => new Axis(
        n!["name"]?.GetValue<string>() ?? string.Empty,
        n["size"]!.GetValue<int>(),
        n["scale"]?.GetValue<double>() ?? 1,
        n["offset"]?.GetValue<double>() ?? 0,
        n["units"]?.GetValue<string>() ?? string.Empty,
        n["navigate"]?.GetValue<bool>() ?? false)).ToList();

    /// <summary>Normalised metadata in the stable schema (nulls kept).</summary>
    public static JsonObject Normalised(Metadata m) => new()
    {
        ["title"] = m.Title,
        ["signal_type"] = m.SignalType,
        ["technique"] = m.Technique,
        ["beam_energy_kev"] = m.BeamEnergyKeV,
        ["magnification"] = m.Magnification,
        ["camera_length_mm"] = m.CameraLengthMm,
        ["convergence_angle_mrad"] = m.ConvergenceAngleMrad,
        ["exposure_s"] = m.ExposureS,
        ["acquired"] = m.Acquired,
        ["instrument"] = m.Instrument,
        ["detector"] = m.Detector,
    };

    /// <summary>Reads what <see cref="Normalised"/> wrote.</summary>
    public static Metadata ReadNormalised(JsonObject o) => new()
    {
        Title = o["title"]?.GetValue<string>(),
        SignalType = o["signal_type"]?.GetValue<string>(),
        Technique = o["technique"]?.GetValue<string>(),
        BeamEnergyKeV = o["beam_energy_kev"]?.GetValue<double>(),
        Magnification = o["magnification"]?.GetValue<double>(),
        CameraLengthMm = o["camera_length_mm"]?.GetValue<double>(),
        ConvergenceAngleMrad = o["convergence_angle_mrad"]?.GetValue<double>(),
        ExposureS = o["exposure_s"]?.GetValue<double>(),
        Acquired = o["acquired"]?.GetValue<string>(),
        Instrument = o["instrument"]?.GetValue<string>(),
        Detector = o["detector"]?.GetValue<string>(),
    };

    /// <summary>A metadata tree as nested JSON objects; large arrays are summarised.</summary>
    public static JsonObject Tree(MetadataTree t, int depth = 0)
    {
        var o = new JsonObject();
        foreach (var (k, v) in t.Items)
        {
            o[k] = Value(v, depth);
        }

        return o;
    }

    private static JsonNode? Value(object? v, int depth) => v switch
    {
        null => null,
        MetadataTree t when depth < 64 => Tree(t, depth + 1),
        MetadataTree => "<nested too deep>",
        string s => s,
        bool b => b,
        double d => double.IsFinite(d) ? d : d.ToString(System.Globalization.CultureInfo.InvariantCulture),
        float f => float.IsFinite(f) ? f : f.ToString(System.Globalization.CultureInfo.InvariantCulture),
        long l => l,
        int i => i,
        ulong u => u,
        uint u => u,
        short s => s,
        ushort u => u,
        byte b => b,
        sbyte b => b,
        System.Collections.IEnumerable e => Array(e, depth),
        var o => o.ToString(),
    };

    private static JsonNode Array(System.Collections.IEnumerable e, int depth)
    {
        var a = new JsonArray();
        int n = 0;
        foreach (var x in e)
        {
            if (++n > 4096)
            {
                a.Add("…");
                break;
            }

            a.Add(Value(x, depth));
        }

        return a;
    }

    /// <summary>Reads a tree written by <see cref="Tree"/>.</summary>
    public static MetadataTree ReadTree(JsonObject o)
    {
        var t = new MetadataTree();
        foreach (var (k, v) in o)
        {
            t[k] = ReadValue(v);
        }

        return t;
    }

    private static object? ReadValue(JsonNode? v) => v switch
    {
        null => null,
        JsonObject o => ReadTree(o),
        JsonArray a => a.Select(ReadValue).ToArray(),
        JsonValue j when j.TryGetValue<long>(out var l) => l,
        JsonValue j when j.TryGetValue<double>(out var d) => d,
        JsonValue j when j.TryGetValue<bool>(out var b) => b,
        JsonValue j => j.ToString(),
        _ => null,
    };
}
