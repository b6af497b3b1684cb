using System.CommandLine;

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
}
