using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Condenser.Formats.Tests;

/// <summary>
/// Debian's HyperSpy 1.7 and tifffile (python3-hyperspy, python3-tifffile, run with /usr/bin/python3) opening files:
/// what each reader saw, from <c>hyperspy_open.py</c>. Skipped where they are not installed (CI installs them and
/// fails on a skipped test).
/// </summary>
public static class HyperSpy
{
    private const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> Installed = new(() => Run("-c", "import hyperspy, tifffile, h5py").Code == 0);

    /// <summary>Skips the calling test where HyperSpy 1.7 or tifffile cannot be imported.</summary>
    public static void RequireInstalled()
    {
        if (!Installed.Value)
        {
            Assert.Skip("Debian's python3-hyperspy, python3-h5py and python3-tifffile are not installed (.ci/run installs them, and fails if any test is skipped)");
        }
    }

    /// <summary>Opens every path in one Python process; the result maps each path to {hyperspy: [...] or {error}, tifffile?}.</summary>
    public static JsonObject Open(IReadOnlyCollection<string> paths, string workFolder)
    {
        var list = Path.Combine(workFolder, "hyperspy-paths.json");
        File.WriteAllText(list, JsonSerializer.Serialize(paths));
        var (code, stdout, stderr) = Run(Path.Combine(AppContext.BaseDirectory, "hyperspy_open.py"), list);
        Assert.True(code == 0, "hyperspy_open.py failed: " + stderr);
        return JsonNode.Parse(stdout)!.AsObject();
    }

    /// <summary>Runs Debian's /usr/bin/python3 with <paramref name="args"/> (10 minutes at most).</summary>
    internal static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        if (!File.Exists(Python))
        {
            return (-1, string.Empty, Python + " is missing");
        }

        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            return (-1, stdout, "timed out after 10 minutes");
        }

        return (p.ExitCode, stdout, stderr.Result);
    }
}
