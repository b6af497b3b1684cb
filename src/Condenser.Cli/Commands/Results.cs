using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;

namespace Condenser.Cli.Commands;

/// <summary>Writing and reporting analysis results.</summary>
internal static class Results
{
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
