using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.MapReduce;

namespace Condenser.Cli.Commands;

/// <summary>The options every analysis command shares: the input file (with raw-reading options), output, threads, JSON.</summary>
internal sealed class AnalysisOptions
{
    public CommonOptions Common { get; } = new();

    public Option<string> Output { get; } = new("--output", "-o") { Description = "output EMD file (a PNG figure is written beside it)", Required = true };

    public Option<int> Workers { get; } = new("--workers") { Description = "threads (default: all cores)", DefaultValueFactory = _ => 0 };

    public Option<bool> Json { get; } = new("--json") { Description = "print a JSON summary (stdout holds that JSON alone)" };

    /// <summary>A command with these options and <paramref name="extra"/>.</summary>
    public Command Create(string name, string description, params Option[] extra)
    {
        var c = new Command(name, description);
        Common.AddTo(c);
        foreach (var o in extra.Concat([Output, Workers, Json]))
        {
            c.Options.Add(o);
        }

        return c;
    }

    /// <summary>
    /// Runs reducers over the dataset in one parallel pass with the --workers setting, a progress bar named
    /// <paramref name="label"/> and Ctrl+C; returns the pass's seconds. <paramref name="costPerByte"/> is the work per
    /// byte relative to a plain read, so that slow analyses (an FFT per frame) show a bar on smaller data too.
    /// </summary>
    public double Run(ParseResult r, EmDataset ds, string label, IFrameReducer reducer, double costPerByte = 1)
    {
        var clock = Stopwatch.StartNew();
        FrameExecutor.RunParallel(ds, [reducer], r.GetValue(Workers), progress: ConsoleProgress.For(label, (long)Math.Min(long.MaxValue / 2, ds.ByteLength * costPerByte)), cancel: ConsoleProgress.Cancel);
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Parses "A:B" (or "A,B") into two finite numbers; <paramref name="what"/> names the option in the error.</summary>
    public static (double A, double B) Pair(string text, string what)
    {
        var parts = text.Split(':', ',');
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var b)
            || !double.IsFinite(a) || !double.IsFinite(b))
        {
            throw new ArgumentException($"{what} '{text}': expected two numbers A:B");
        }

        return (a, b);
    }

    /// <summary>Parses a scan region "Y0:Y1,X0:X1" inside an <paramref name="ny"/> × <paramref name="nx"/> scan (null: the whole scan).</summary>
    public static (int Y0, int Y1, int X0, int X1) Region(string? text, int ny, int nx)
    {
        if (text is null)
        {
            return (0, ny, 0, nx);
        }

        var parts = text.Split(',');
        if (parts.Length != 2)
        {
            throw new ArgumentException($"region '{text}': expected Y0:Y1,X0:X1");
        }

        var (y0, y1) = Pair(parts[0], "region rows");
        var (x0, x1) = Pair(parts[1], "region columns");
        if (y0 < 0 || x0 < 0 || y1 > ny || x1 > nx || y1 <= y0 || x1 <= x0)
        {
            throw new ArgumentException($"region '{text}' is not inside the {ny}×{nx} scan");
        }

        return ((int)y0, (int)y1, (int)x0, (int)x1);
    }

    /// <summary>The detector centre: "CY:CX" when given, otherwise the bright-field disk of the sampled mean pattern.</summary>
    public static (double Y, double X) Center(string? text, EmDataset ds)
    {
        if (text is not null)
        {
            return Pair(text, "--center");
        }

        var disk = BrightFieldDisk.Detect(FourDStemInputs.SampledMeanPattern(ds), ds.Shape.Signal[1]);
        return (disk.CenterY, disk.CenterX);
    }
}
