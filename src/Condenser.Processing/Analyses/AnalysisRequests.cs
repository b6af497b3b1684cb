using System.Text.Json;
using System.Text.Json.Nodes;

namespace Condenser.Processing.Analyses;

/// <summary>One analysis as a request can name it: its name, what it reads, and its parameters with their units.</summary>
/// <param name="Name">Name of the analysis (as the CLI names the command).</param>
/// <param name="Reads">What the input must be (4D-STEM scan, spectrum image, image, any frames).</param>
/// <param name="Parameters">Parameter names with their meaning and units.</param>
public sealed record AnalysisDescription(string Name, string Reads, IReadOnlyDictionary<string, string> Parameters);

/// <summary>
/// The analyses a request (the server's <c>POST /api/datasets/{id}/analyses</c>, a saved detector of the viewer) can run
/// by name with JSON parameters: each parameter checked, an unknown one refused by name, then the analysis' own
/// <c>Run</c>. The CLI parses its options into the same parameter records.
/// </summary>
public static class AnalysisRequests
{
    /// <summary>Every analysis a request can name.</summary>
    public static IReadOnlyList<AnalysisDescription> All { get; } =
    [
        new(VirtualImage.Name, "4D-STEM scan", new Dictionary<string, string>
        {
            ["shape"] = "annulus (default), disk, rectangle or point",
            ["center"] = "[row, column] of the detector centre (detector pixels); default: the bright-field disk",
            ["inner"] = "inner radius of an annulus (units)",
            ["outer"] = "outer radius of an annulus or a disk (units)",
            ["height"] = "rows of a rectangle centred on the centre (units)",
            ["width"] = "columns of a rectangle centred on the centre (units)",
            ["units"] = "px (default) or mrad, for radii and sizes",
            ["descan"] = "true: move the detector with the descan plane fitted to the centre of mass",
        }),
        new(CenterOfMassAnalysis.Name, "4D-STEM scan", new Dictionary<string, string>
        {
            ["center"] = "[row, column] of the reference centre (detector pixels); default: the bright-field disk",
        }),
        new(PatternStatisticsAnalysis.Name, "any dataset of frames", new Dictionary<string, string>()),
        new(StrainAnalysis.Name, "4D-STEM scan", new Dictionary<string, string>
        {
            ["reference"] = "[row0, row1, col0, col1] scan region of the unstrained reference (end exclusive); default: the whole scan",
            ["min_spacing_px"] = "smallest distance between Bragg disks (detector pixels)",
            ["min_relative_intensity"] = "weakest disk kept, as a fraction of the strongest",
        }),
        new(ZeroLossAnalysis.Name, "spectrum image (EELS)", new Dictionary<string, string>
        {
            ["energy_scale_ev"] = "eV per channel, for an axis not calibrated in energy",
            ["energy_offset_ev"] = "energy of the first channel (eV)",
        }),
        new(EelsEdgeMap.Name, "spectrum image (EELS)", new Dictionary<string, string>
        {
            ["background_ev"] = "[start, end] of the pre-edge window (eV)",
            ["edge_ev"] = "[start, end] of the integration window (eV)",
            ["energy_scale_ev"] = "eV per channel, for an axis not calibrated in energy",
            ["energy_offset_ev"] = "energy of the first channel (eV)",
        }),
        new(AtomColumnsAnalysis.Name, "image", new Dictionary<string, string>
        {
            ["separation_px"] = "smallest distance between columns (pixels, ≥ 2)",
            ["threshold"] = "relative intensity a column must exceed (0..1)",
            ["dark"] = "true: the columns are dark (annular bright field)",
        }),
    ];

    /// <summary>
    /// Runs the analysis <paramref name="name"/> with <paramref name="parameters"/> over <paramref name="run"/>.
    /// Throws <see cref="ArgumentException"/> naming an unknown analysis, an unknown parameter or a bad value.
    /// </summary>
    public static AnalysisResult Run(string name, JsonObject? parameters, AnalysisRun run)
    {
        // Every parameter is read and checked, and any left over refused, before the pass starts.
        var p = new RequestParameters(name, parameters);
        switch (name)
        {
            case VirtualImage.Name:
                return VirtualImage.Run(run, VirtualImageParametersOf(p));
            case CenterOfMassAnalysis.Name:
                return CenterOfMassAnalysis.Run(run, p.Checked(new CenterOfMassParameters(p.Pair("center"))));
            case PatternStatisticsAnalysis.Name:
                p.Checked(0);
                return PatternStatisticsAnalysis.Run(run);
            case StrainAnalysis.Name:
                return StrainAnalysis.Run(run, StrainParametersOf(p));
            case ZeroLossAnalysis.Name:
                var (scale, offset) = p.Checked((p.Number("energy_scale_ev"), p.Number("energy_offset_ev")));
                return ZeroLossAnalysis.Run(run, scale, offset);
            case EelsEdgeMap.Name:
                return EelsEdgeMap.Run(run, EelsParametersOf(p));
            case AtomColumnsAnalysis.Name:
                return AtomColumnsAnalysis.Run(run, p.Checked(new AtomColumnsParameters(p.Required("separation_px"), p.Number("threshold") ?? 0.2, p.Flag("dark")))).Result;
            default:
                throw new ArgumentException($"no analysis '{name}': the analyses are {string.Join(", ", All.Select(a => a.Name))}");
        }
    }

    private static VirtualImageParameters VirtualImageParametersOf(RequestParameters p)
    {
        var shape = p.Text("shape") switch
        {
            null or "annulus" or "ring" => DetectorShape.Annulus,
            "disk" => DetectorShape.Disk,
            "rectangle" or "rect" => DetectorShape.Rectangle,
            "point" => DetectorShape.Point,
            var other => throw new ArgumentException($"{VirtualImage.Name}: parameter 'shape' is '{other}': it is annulus, disk, rectangle or point"),
        };
        bool mrad = p.Text("units") switch
        {
            null or "px" => false,
            "mrad" => true,
            var other => throw new ArgumentException($"{VirtualImage.Name}: parameter 'units' is '{other}': it is px or mrad"),
        };
        var center = p.Pair("center");
        bool descan = p.Flag("descan");
        VirtualImageParameters parameters = shape switch
        {
            DetectorShape.Rectangle => VirtualImageParameters.RectangleAt(center, p.Required("height"), p.Required("width"), mrad),
            DetectorShape.Point => VirtualImageParameters.PointAt(center ?? throw new ArgumentException($"{VirtualImage.Name}: a point detector needs 'center'")),
            DetectorShape.Disk => new VirtualImageParameters(0, p.Required("outer"), mrad, center) { Shape = DetectorShape.Disk },
            _ => new VirtualImageParameters(p.Number("inner") ?? 0, p.Required("outer"), mrad, center),
        };
        return p.Checked(parameters with { Descan = descan });
    }

    private static StrainParameters StrainParametersOf(RequestParameters p)
    {
        var region = p.Numbers("reference", 4);
        var reference = region is null ? (ScanRegion?)null : new ScanRegion(Whole(region[0], "reference"), Whole(region[1], "reference"), Whole(region[2], "reference"), Whole(region[3], "reference"));
        return p.Checked(new StrainParameters(reference, p.Number("min_spacing_px") ?? 5, p.Number("min_relative_intensity") ?? 0.02));
    }

    private static EelsEdgeParameters EelsParametersOf(RequestParameters p)
    {
        var background = p.Numbers("background_ev", 2) ?? throw new ArgumentException($"{EelsEdgeMap.Name}: parameter 'background_ev' ([start, end] in eV) is needed");
        var edge = p.Numbers("edge_ev", 2) ?? throw new ArgumentException($"{EelsEdgeMap.Name}: parameter 'edge_ev' ([start, end] in eV) is needed");
        return p.Checked(new EelsEdgeParameters(new EnergyWindow(background[0], background[1]), new EnergyWindow(edge[0], edge[1]), p.Number("energy_scale_ev"), p.Number("energy_offset_ev")));
    }

    private static int Whole(double v, string key) => v == Math.Floor(v) && Math.Abs(v) < int.MaxValue
        ? (int)v : throw new ArgumentException($"parameter '{key}': {v} is not a whole number of scan positions");

    /// <summary>The parameters of one request, each read once, with what was not read refused.</summary>
    private sealed class RequestParameters(string analysis, JsonObject? body)
    {
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);

        private JsonNode? Get(string key)
        {
            _read.Add(key);
            return body?[key];
        }

        /// <summary><paramref name="value"/>, once every parameter given was read: any left over is refused by name.</summary>
        public T Checked<T>(T value)
        {
            RefuseUnknown();
            return value;
        }

        private void RefuseUnknown()
        {
            var unknown = body?.Select(kv => kv.Key).Where(k => !_read.Contains(k)).ToList() ?? [];
            if (unknown.Count > 0)
            {
                var known = All.First(a => a.Name == analysis).Parameters.Keys;
                throw new ArgumentException($"{analysis}: no parameter {string.Join(", ", unknown.Select(k => $"'{k}'"))}; it takes {(known.Any() ? string.Join(", ", known) : "none")}");
            }
        }

        public string? Text(string key) => Get(key) switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var other => throw new ArgumentException($"{analysis}: parameter '{key}' is {other.ToJsonString()}: it is text"),
        };

        public bool Flag(string key) => Get(key) switch
        {
            null => false,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            var other => throw new ArgumentException($"{analysis}: parameter '{key}' is {other.ToJsonString()}: it is true or false"),
        };

        public double? Number(string key) => Get(key) is { } node ? Finite(node, key) : null;

        public double Required(string key) => Number(key) ?? throw new ArgumentException($"{analysis}: parameter '{key}' is needed");

        public double[]? Numbers(string key, int count) => Get(key) switch
        {
            null => null,
            JsonArray a when a.Count == count => a.Select(n => Finite(n, key)).ToArray(),
            var other => throw new ArgumentException($"{analysis}: parameter '{key}' is {other.ToJsonString()}: it is a list of {count} numbers"),
        };

        public (double Y, double X)? Pair(string key) => Numbers(key, 2) is { } v ? (v[0], v[1]) : null;

        private double Finite(JsonNode? node, string key) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.TryParse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
                ? d : throw new ArgumentException($"{analysis}: parameter '{key}' is {node?.ToJsonString() ?? "null"}: it is a finite number");
    }
}
