using System.Diagnostics;

namespace Condenser.Testing;

/// <summary>Runs the built <c>condenser</c> command as a user would, capturing stdout, stderr and the exit code.</summary>
public static class CliRunner
{
    /// <summary>../shared/testdata (found once, by the Formats tests' finder).</summary>
    public static string TestData => Testing.TestData.Root;

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "condenser.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"condenser {string.Join(' ', args)} did not finish");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
