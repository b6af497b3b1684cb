using System.Diagnostics;

namespace Condenser.Cli.Tests;

/// <summary>
/// The <c>./condenser</c> launcher builds once per change of the sources and says so: run from a copy of the script
/// in a folder laid out like the repository, with a <c>dotnet</c> on PATH that records each call and writes the dll
/// a publish would.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LauncherTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("condenser-launcher-").FullName;

    public LauncherTests()
    {
        File.Copy(Path.Combine(TestData.RepositoryRoot, "condenser"), Path.Combine(_root, "condenser"));
        foreach (var dir in new[] { "src/Condenser.Cli/obj", "src/Condenser.Cli/bin", "bench/Condenser.Bench", "bin" })
        {
            Directory.CreateDirectory(Path.Combine(_root, dir));
        }

        File.WriteAllText(Path.Combine(_root, "src/Condenser.Cli/Program.cs"), "// source\n");
        File.WriteAllText(Path.Combine(_root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(_root, "Directory.Packages.props"), "<Project />\n");
        // publish: records itself and writes the dll; running the dll: prints its arguments.
        File.WriteAllText(Path.Combine(_root, "bin/dotnet"), """
            #!/usr/bin/env bash
            echo "$*" >> "$CALLS"
            if [[ "$1" == publish ]]; then
              while [[ $# -gt 0 ]]; do [[ "$1" == -o ]] && { mkdir -p "$2"; echo dll > "$2/condenser.dll"; }; shift; done
            else
              echo "ran ${*:2}"
            fi
            """.Replace("\r", string.Empty));
        File.SetUnixFileMode(Path.Combine(_root, "bin/dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(Path.Combine(_root, "condenser"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ItBuildsTheFirstTimeAndAfterASourceChangesOnly()
    {
        var first = Run();
        Assert.Contains("building condenser", first.Err, StringComparison.Ordinal);
        Assert.Equal("ran info x.emd", first.Out.Trim());
        Assert.Equal(1, Publishes());

        var second = Run();
        Assert.DoesNotContain("building", second.Err, StringComparison.Ordinal);
        Assert.Equal(1, Publishes());

        // What every build (dotnet test's too) writes anew under obj/ and bin/ is not a change of the sources.
        Later(Path.Combine(_root, "src/Condenser.Cli/obj/Generated.AssemblyInfo.cs"));
        Later(Path.Combine(_root, "src/Condenser.Cli/bin/Other.csproj"));
        Assert.DoesNotContain("building", Run().Err, StringComparison.Ordinal);
        Assert.Equal(1, Publishes());

        Later(Path.Combine(_root, "src/Condenser.Cli/Program.cs"));
        Assert.Contains("building condenser", Run().Err, StringComparison.Ordinal);
        Assert.Equal(2, Publishes());
        Assert.DoesNotContain("building", Run().Err, StringComparison.Ordinal);

        Later(Path.Combine(_root, "Directory.Packages.props"));
        Assert.Contains("building condenser", Run().Err, StringComparison.Ordinal);
        Assert.Equal(3, Publishes());
    }

    /// <summary>Writes a file after the dll was built: every other file is dated an hour back and the dll ten seconds
    /// (file times can be coarser than the test's pace), so only this file is newer than the dll.</summary>
    private void Later(string path)
    {
        var dll = Path.Combine(_root, "artifacts/cli/condenser.dll");
        foreach (var f in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddHours(-1));
        }

        File.SetLastWriteTimeUtc(dll, DateTime.UtcNow.AddSeconds(-10));
        File.WriteAllText(path, "// changed\n");
    }

    private int Publishes() => File.ReadAllLines(Path.Combine(_root, "calls")).Count(l => l.StartsWith("publish", StringComparison.Ordinal));

    private (string Out, string Err) Run()
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(_root, "condenser"), "info", "x.emd"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["PATH"] = Path.Combine(_root, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["CALLS"] = Path.Combine(_root, "calls");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(30_000), "the launcher did not finish");
        Assert.Equal(0, p.ExitCode);
        return (stdout.Result, stderr.Result);
    }
}
