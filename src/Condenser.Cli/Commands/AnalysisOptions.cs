using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Formats;
using Condenser.Processing.Analyses;
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

    public Option<string> Io { get; } = new("--io") { Description = "how a pass reads the file: auto (read(2) into buffers where the data lies contiguous in the file, else the mapping), read, mapped", DefaultValueFactory = _ => "auto" };

    private EmFile? _file;
    private AnalysisRun? _run;

    /// <summary>Opens the input file (kept for the run's identity).</summary>
    public EmFile Open(ParseResult r) => _file = Common.Open(r);

    /// <summary>The run over <paramref name="ds"/> of the opened file: workers, I/O path, progress bars, Ctrl+C, identity.</summary>
    public AnalysisRun RunFor(ParseResult r, EmDataset ds, ScanPositions? positions = null)
    {
        if (_run is not null && ReferenceEquals(_run.Dataset, ds))
        {
            return _run;
        }

        var io = r.GetValue(Io) switch
        {
            "auto" => IoPath.Auto,
            "read" => IoPath.Read,
            "mapped" => IoPath.Mapped,
            var other => throw new ArgumentException($"--io '{other}': expected auto, read or mapped"),
        };
        return _run = new AnalysisRun(ds, _file?.Path, new AnalysisRunOptions
        {
            Positions = positions,
            Workers = r.GetValue(Workers),
            Io = io,
            Progress = ConsoleProgress.For,
            Cancel = ConsoleProgress.Cancel,
        });
    }

    /// <summary>Writes an analysis' result datasets to <paramref name="outPath"/> (EMD, or any writer's format).</summary>
    private static AnalysisResult Write(string outPath, AnalysisResult result)
    {
        FormatRegistry.WriterFor(outPath).Write(outPath, result.Datasets);
        return result;
    }

    /// <summary>
    /// Writes the result to <paramref name="outPath"/> while <paramref name="figures"/> draws the PNGs beside it on
    /// another core, then prints the summary (timings, the figures' paths, provenance) as <c>--json</c> asks.
    /// </summary>
    /// <param name="r">The parsed command line (for --json).</param>
    /// <param name="clock">Started when the command started: elapsed_s is the whole command.</param>
    /// <param name="outPath">The EMD (or other format's) output.</param>
    /// <param name="result">The analysis' result.</param>
    /// <param name="figures">Draws the figures and names them (figure, scree…).</param>
    public void Finish(ParseResult r, Stopwatch clock, string outPath, AnalysisResult result, Func<JsonObject> figures)
    {
        var drawn = Task.Run(figures);
        Write(outPath, result);
        Results.Report(r.GetValue(Json), Summary(clock, result, outPath, drawn.GetAwaiter().GetResult()), clock);
    }

    /// <summary>The summary every analysis prints: the timings, the output, the analysis' own numbers and the provenance.</summary>
    public static JsonObject Summary(Stopwatch clock, AnalysisResult result, string output, JsonObject? details = null)
    {
        var summary = new JsonObject
        {
            ["elapsed_s"] = clock.Elapsed.TotalSeconds,
            ["bytes_read"] = result.BytesRead,
            ["pass_s"] = result.PassSeconds,
            ["gb_per_s"] = result.PassSeconds > 0 ? result.BytesRead / result.PassSeconds / 1e9 : null,
            ["io"] = result.Io?.ToString().ToLowerInvariant(),
            ["output"] = output,
        };
        foreach (var (key, value) in result.Summary.ToList())
        {
            summary[key] = value?.DeepClone();
        }

        foreach (var (key, value) in details?.ToList() ?? [])
        {
            summary[key] = value?.DeepClone();
        }

        summary["provenance"] = MetadataJson.Tree(result.Provenance.ToTree());
        return summary;
    }

    /// <summary>A command with these options and <paramref name="extra"/>.</summary>
    public Command Create(string name, string description, params Option[] extra)
    {
        var c = new Command(name, description);
        Common.AddTo(c);
        foreach (var o in extra.Concat([Output, Workers, Io, Json]))
        {
            c.Options.Add(o);
        }

        return c;
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

    /// <summary>Parses a scan region "Y0:Y1,X0:X1" of a 2-d scan (checked against the scan by the analysis too).</summary>
    public static ScanRegion Region(string text, EmDataset ds)
    {
        var parts = text.Split(',');
        if (parts.Length != 2)
        {
            throw new ArgumentException($"region '{text}': expected Y0:Y1,X0:X1");
        }

        var (y0, y1) = Pair(parts[0], "region rows");
        var (x0, x1) = Pair(parts[1], "region columns");
        if (y0 != Math.Floor(y0) || y1 != Math.Floor(y1) || x0 != Math.Floor(x0) || x1 != Math.Floor(x1) || Math.Abs(y0) > int.MaxValue || Math.Abs(y1) > int.MaxValue || Math.Abs(x0) > int.MaxValue || Math.Abs(x1) > int.MaxValue)
        {
            throw new ArgumentException($"region '{text}': expected whole scan positions");
        }

        var region = new ScanRegion((int)y0, (int)y1, (int)x0, (int)x1);
        if (ds.Shape.Navigation.Count == 2)
        {
            region.CheckInside(ds.Shape.Navigation[0], ds.Shape.Navigation[1]);
        }

        return region;
    }
}
