using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;

namespace Condenser.Cli.Commands;

/// <summary>Writing and reporting analysis results.</summary>
internal static class Results
{
    /// <summary>
    /// The output path, once its folder is known to exist: checked before any input is read, so a mistyped <c>-o</c>
    /// ends at once with one <c>error: OUTPUT: the folder … does not exist</c> line instead of after the analysis.
    /// </summary>
    public static string OutputPath(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{path}: the folder {folder} does not exist (create it first)");
        }

        return path;
    }

    /// <summary>Writes a map over a 2-d scan as a PNG beside the EMD output (same name, .png), with the scan's scale bar.</summary>
    public static string? WriteFigure(string emdPath, EmDataset ds, double[] values, string caption)
    {
        if (ds.Shape.Navigation.Count != 2)
        {
            return null;
        }

        var png = Path.ChangeExtension(emdPath, ".png");
        var picture = new Condenser.Processing.Imaging.PreviewImage(ds.Shape.Navigation[1], ds.Shape.Navigation[0], values, null, ds.Axes[1], caption);
        Condenser.Rendering.PngRenderer.Write(picture, png, log: false, minSize: 512, colorBar: true);
        return png;
    }

    /// <summary>Prints the summary (JSON on stdout, or a table on stderr); with <paramref name="clock"/>, elapsed_s is the whole command's time up to here.</summary>
    public static void Report(bool json, JsonObject summary, Stopwatch? clock = null)
    {
        if (clock is not null)
        {
            summary["elapsed_s"] = clock.Elapsed.TotalSeconds;
        }

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
