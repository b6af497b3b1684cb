using System.Globalization;
using System.Text.Json.Nodes;

namespace Condenser.Catalog.Records;

/// <summary>
/// Where on a dataset an annotation lies, in the dataset's own coordinates: <c>space</c> "scan" (the last two
/// navigation axes: a scan position) or "signal" (the last two signal axes: a detector or image pixel), a
/// <c>shape</c> (point, rectangle by two corners, polygon), <c>points</c> as [row, column] indices (fractional allowed)
/// and, from the dataset's axes, the same points calibrated (<c>calibrated</c>, index × scale + offset) with their
/// <c>units</c>. Regions of the first libraries, drawn in preview pixels, are converted by migration 2; what it
/// could not read stays as <c>{"space": "preview", "legacy": …}</c>.
/// </summary>
public static class AnnotationRegion
{
    /// <summary>
    /// Checks a region against the dataset (shape <paramref name="shape"/>, <paramref name="navDims"/> navigation
    /// axes, axes from <paramref name="info"/>) and returns it in canonical form; throws <see cref="CatalogException"/>
    /// naming what is wrong.
    /// </summary>
    public static string Normalise(string json, int[] shape, int navDims, string? info)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(json) as JsonObject ?? throw new CatalogException(CatalogError.Invalid, "region must be a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CatalogException(CatalogError.Invalid, $"region is not JSON: {e.Message}", e);
        }

        var space = o["space"]?.GetValue<string>() ?? throw new CatalogException(CatalogError.Invalid, "region needs \"space\": \"scan\" or \"signal\"");
        var kind = o["shape"]?.GetValue<string>() ?? "polygon";
        if (o["points"] is not JsonArray pts)
        {
            throw new CatalogException(CatalogError.Invalid, "region needs \"points\": [[row, column], ...]");
        }

        var points = pts.Select(p => p is JsonArray a && a.Count == 2 ? new[] { Number(a[0]), Number(a[1]) } : throw new CatalogException(CatalogError.Invalid, "each region point is [row, column]")).ToArray();
        return Make(space, kind, points, shape, navDims, info);
    }

    /// <summary>The canonical region; throws when the points lie outside the space or do not fit the shape.</summary>
    public static string Make(string space, string kind, double[][] points, int[] shape, int navDims, string? info)
    {
        int first = space switch
        {
            "scan" when navDims >= 1 => Math.Max(0, navDims - 2),
            "signal" when shape.Length - navDims >= 1 => Math.Max(navDims, shape.Length - 2),
            "scan" => throw new CatalogException(CatalogError.Invalid, "region space 'scan': this dataset has no scan"),
            "signal" => throw new CatalogException(CatalogError.Invalid, "region space 'signal': this dataset has no signal axes"),
            _ => throw new CatalogException(CatalogError.Invalid, $"region space '{space}': use scan or signal"),
        };
        int last = space == "scan" ? navDims - 1 : shape.Length - 1;
        int rows = last > first ? shape[first] : 1, cols = shape[last];
        int? rowAxis = last > first ? first : null;
        int needed = kind switch
        {
            "point" => 1,
            "rectangle" => 2,
            "polygon" => 3,
            _ => throw new CatalogException(CatalogError.Invalid, $"region shape '{kind}': use point, rectangle or polygon"),
        };
        if (kind == "polygon" ? points.Length < 3 : points.Length != needed)
        {
            throw new CatalogException(CatalogError.Invalid, $"a {kind} region has {(kind == "polygon" ? "at least 3" : needed.ToString(CultureInfo.InvariantCulture))} points, {points.Length} given");
        }

        foreach (var p in points)
        {
            if (!double.IsFinite(p[0]) || !double.IsFinite(p[1]) || p[0] < 0 || p[1] < 0 || p[0] > rows || p[1] > cols)
            {
                throw new CatalogException(CatalogError.Invalid, $"region point [{p[0]}, {p[1]}] lies outside the {space} ({rows} × {cols})");
            }
        }

        var axes = (JsonNode.Parse(info ?? "{}") as JsonObject)?["axes"] as JsonArray;
        (double Scale, double Offset, string Units) Axis(int? index) => index is int i && axes is not null && i < axes.Count && axes[i] is JsonObject a
            ? (a["scale"]?.GetValue<double>() ?? 1, a["offset"]?.GetValue<double>() ?? 0, a["units"]?.GetValue<string>() ?? string.Empty)
            : (1, 0, string.Empty);
        var ra = Axis(rowAxis);
        var ca = Axis(last);
        var o = new JsonObject
        {
            ["space"] = space,
            ["shape"] = kind,
            ["points"] = new JsonArray(points.Select(p => (JsonNode)new JsonArray(p[0], p[1])).ToArray()),
            ["units"] = new JsonArray(ra.Units, ca.Units),
            ["calibrated"] = new JsonArray(points.Select(p => (JsonNode)new JsonArray((p[0] * ra.Scale) + ra.Offset, (p[1] * ca.Scale) + ca.Offset)).ToArray()),
        };
        return o.ToJsonString();
    }

    /// <summary>
    /// A region of a first library, drawn on the record's preview: <c>{x, y, width, height}</c> or
    /// <c>{points: [[x, y], …]}</c> in preview pixels, converted to dataset coordinates (the preview shows the scan for
    /// 4D-STEM scans and spectrum images, the frame otherwise, enlarged by whole pixels to at least 512). Regions in
    /// another form, or on a preview that is no map (a spectrum, a line of spectra), are kept as legacy.
    /// </summary>
    public static string FromPreviewPixels(string json, int[] shape, int navDims, string signalType, string dtype, string? info)
    {
        JsonNode? old;
        try
        {
            old = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            old = JsonValue.Create(json);
        }

        string Legacy() => new JsonObject { ["space"] = "preview", ["legacy"] = old?.DeepClone() }.ToJsonString();
        if (old is JsonObject { } already && already["space"] is not null)
        {
            return json;
        }

        bool rgb = dtype is "rgb8" or "rgba8";
        int sigRank = shape.Length - navDims - (rgb ? 1 : 0);
        bool scan = (navDims >= 1 && sigRank == 2 && signalType is "4d_stem" or "diffraction") || (navDims >= 2 && sigRank == 1);
        if (!scan && sigRank < 2)
        {
            return Legacy();
        }

        int w = scan ? shape[navDims - 1] : shape[navDims + sigRank - 1];
        int h = scan ? (int)(shape.Take(navDims).Aggregate(1L, (a, b) => a * b) / Math.Max(1, w)) : shape[navDims + sigRank - 2];
        double factor = Math.Max(1, (int)Math.Ceiling(512 / (double)Math.Max(w, h)));
        double[][]? points = null;
        string kind = "polygon";
        try
        {
            if (old is JsonObject r && r["x"] is not null && r["y"] is not null && r["width"] is not null && r["height"] is not null)
            {
                double x = Number(r["x"]), y = Number(r["y"]), rw = Number(r["width"]), rh = Number(r["height"]);
                points = [[y / factor, x / factor], [(y + rh) / factor, (x + rw) / factor]];
                kind = "rectangle";
            }
            else if (old is JsonObject p && p["points"] is JsonArray list)
            {
                points = list.Select(q => q is JsonArray a && a.Count == 2 ? new[] { Number(a[1]) / factor, Number(a[0]) / factor } : throw new FormatException()).ToArray();
                kind = points.Length == 1 ? "point" : points.Length == 2 ? "rectangle" : "polygon";
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or CatalogException)
        {
            return Legacy();
        }

        if (points is null)
        {
            return Legacy();
        }

        try
        {
            return Make(scan ? "scan" : "signal", kind, points, shape, navDims, info);
        }
        catch (CatalogException)
        {
            return Legacy();
        }
    }

    private static double Number(JsonNode? n) => n is JsonValue v && v.TryGetValue<double>(out var d) ? d : throw new CatalogException(CatalogError.Invalid, "region coordinates are numbers");
}
