using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Formats;

namespace Condenser.Cli.Commands;

/// <summary>Writing and reporting analysis results.</summary>
internal static class Results
{
    /// <summary>
    /// Writes maps over the scan (one value per position) as one EMD dataset each, then any <paramref name="extra"/>
    /// datasets (spectra, transformed data), every one with the same provenance.
    /// </summary>
    public static void WriteScanMaps(string path, EmFile source, EmDataset ds, IReadOnlyList<(string Title, double[] Values)> maps, string analysis, MetadataTree parameters, IReadOnlyList<EmDataset>? extra = null)
    {
        var nav = ds.Shape.Navigation.Count > 0 ? ds.Shape.Navigation.ToArray() : [1];
        var axes = ds.Shape.Navigation.Count > 0 ? ds.Axes.Take(nav.Length).Select(a => a with { Navigate = false }).ToArray() : [Axis.Plain("position", 1, false)];
        var sets = new List<EmDataset>();
        foreach (var (title, values) in maps)
        {
            sets.Add(Float64(title, new DatasetShape([], nav), axes, values, ds.Metadata, SignalTypes.Image));
        }

        sets.AddRange(extra ?? []);
        string created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        foreach (var set in sets)
        {
            var provenance = set.OriginalMetadata.Child("provenance");
            provenance["analysis"] = analysis;
            provenance["software"] = "Condenser " + typeof(Results).Assembly.GetName().Version;
            provenance["input_file"] = Path.GetFullPath(source.Path);
            provenance["input_bytes"] = new FileInfo(source.Path).Length;
            provenance["input_sha256"] = InputHash(source.Path);
            provenance["input_dataset"] = ds.Name;
            provenance["parameters"] = parameters;
            provenance["created"] = created;
        }

        FormatRegistry.WriterFor(path).Write(path, sets);
    }

    /// <summary>One spectrum as a dataset with the given energy axis.</summary>
    public static EmDataset Spectrum(string title, double[] values, Axis energy, Metadata source)
        => Float64(title, new DatasetShape([], [values.Length]), [energy with { Size = values.Length }], values, source, SignalTypes.Spectrum);

    /// <summary>Values held in memory as a float64 dataset titled <paramref name="title"/>, its metadata copied from <paramref name="source"/>.</summary>
    public static EmDataset Float64(string title, DatasetShape shape, IReadOnlyList<Axis> axes, double[] values, Metadata source, string? signalType = null, MetadataTree? original = null)
    {
        var bytes = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        var md = source.Clone();
        md.Title = title;
        md.SignalType = signalType ?? md.SignalType;
        return new EmDataset(title, shape, axes, DType.Float64, new MemoryStorage(bytes), md, original);
    }

    /// <summary>
    /// The fields every analysis prints: elapsed_s (whole command), bytes_read, with a timed reduction pass its pass_s
    /// and GB/s, output, then the analysis' own <paramref name="details"/> (moved into the summary).
    /// </summary>
    public static JsonObject Summary(Stopwatch clock, EmDataset ds, string output, double? passSeconds = null, JsonObject? details = null)
    {
        var summary = new JsonObject
        {
            ["elapsed_s"] = clock.Elapsed.TotalSeconds,
            ["bytes_read"] = ds.ByteLength,
        };
        if (passSeconds is { } pass)
        {
            summary["pass_s"] = pass;
            summary["gb_per_s"] = ds.ByteLength / pass / 1e9;
        }

        summary["output"] = output;
        foreach (var key in details?.Select(d => d.Key).ToList() ?? [])
        {
            details!.Remove(key, out var value);
            summary[key] = value;
        }

        return summary;
    }

    private static readonly Dictionary<string, string> Hashes = [];

    /// <summary>SHA-256 of the input file (hex), computed once per file per process, streamed.</summary>
    public static string InputHash(string path)
    {
        var full = Path.GetFullPath(path);
        lock (Hashes)
        {
            if (!Hashes.TryGetValue(full, out var hash))
            {
                using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
                Hashes[full] = hash;
            }

            return hash;
        }
    }

    /// <summary>Writes a map over a 2-d scan as a PNG beside the EMD output (same name, .png), with the scan's scale bar.</summary>
    public static string? WriteFigure(string emdPath, EmDataset ds, double[] values, string caption)
    {
        if (ds.Shape.Navigation.Count != 2)
        {
            return null;
        }

        var png = Path.ChangeExtension(emdPath, ".png");
        var picture = new Condenser.Processing.Rendering.PreviewImage(ds.Shape.Navigation[1], ds.Shape.Navigation[0], values, null, ds.Axes[1], caption);
        Condenser.Processing.Rendering.PngRenderer.Write(picture, png, log: false, minSize: 512, colorBar: true);
        return png;
    }

    public static void Report(bool json, JsonObject summary)
    {
        if (json)
        {
            Console.WriteLine(summary.ToJsonString(Json.Options));
        }
        else
        {
            foreach (var (k, v) in summary)
            {
                Console.Error.WriteLine($"{k,-20} {v?.ToJsonString()}");
            }
        }
    }
}
