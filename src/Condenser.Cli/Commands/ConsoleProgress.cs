using System.Diagnostics;

namespace Condenser.Cli.Commands;

/// <summary>
/// A progress bar on stderr for long work (datasets over 64 MiB), drawn only when stderr is a terminal so that piped
/// and <c>--json</c> output stay clean. Ctrl+C cancels the work through <see cref="Cancel"/>.
/// </summary>
internal sealed class ConsoleProgress : IProgress<double>
{
    private const long Threshold = 64L << 20;
    private readonly string _label;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = -1000;

    private ConsoleProgress(string label) => _label = label;

    /// <summary>Cancelled by Ctrl+C.</summary>
    public static CancellationToken Cancel { get; } = CreateCancel();

    /// <summary>A bar for work over <paramref name="bytes"/>, or null when none should be drawn.</summary>
    public static IProgress<double>? For(string label, long bytes)
        => bytes >= Threshold && !Console.IsErrorRedirected ? new ConsoleProgress(label) : null;

    /// <summary>A bar for a count of <paramref name="total"/> things (probes, frames), or null when stderr is not a terminal.</summary>
    public static IProgress<int>? Counter(string label, int total)
    {
        if (Console.IsErrorRedirected || total <= 0)
        {
            return null;
        }

        var bar = new ConsoleProgress(label);
        return new Progress<int>(n => bar.Report((double)n / total));
    }

    public void Report(double value)
    {
        long now = _clock.ElapsedMilliseconds;
        if (value < 1 && now - _lastDraw < 200)
        {
            return;
        }

        _lastDraw = now;
        const int width = 30;
        int filled = (int)Math.Clamp(value * width, 0, width);
        Console.Error.Write($"\r{_label} [{new string('#', filled)}{new string('.', width - filled)}] {value * 100,5:F1}%  {now / 1000.0:F1} s");
        if (value >= 1)
        {
            Console.Error.WriteLine();
        }
    }

    private static CancellationToken CreateCancel()
    {
        var source = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            source.Cancel();
        };
        return source.Token;
    }
}
