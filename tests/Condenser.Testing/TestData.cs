namespace Condenser.Testing;

/// <summary>Finds the real fixtures in <c>../shared/testdata</c> beside the repository.</summary>
public static class TestData
{
    public static string Root { get; } = Find();

    /// <summary>The repository's root folder (where Condenser.slnx is).</summary>
    public static string RepositoryRoot { get; } = FindRepository();

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Condenser.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("the repository (Condenser.slnx) was not found above " + AppContext.BaseDirectory);
    }

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("CONDENSER_TESTDATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        var shared = Path.Combine(FindRepository(), "..", "shared", "testdata");
        if (Directory.Exists(shared))
        {
            return Path.GetFullPath(shared);
        }

        throw new DirectoryNotFoundException("../shared/testdata not found beside the repository (set CONDENSER_TESTDATA)");
    }

    public static string File(string relative) => Path.Combine(Root, relative);

    /// <summary>Every data file that has a reference, as paths relative to the root.</summary>
    public static IEnumerable<string> ReferencedFiles() => Directory
        .EnumerateFiles(Root, "*.reference.json", SearchOption.AllDirectories)
        .Select(p => Path.GetRelativePath(Root, p[..^".reference.json".Length]).Replace('\\', '/'))
        .OrderBy(p => p, StringComparer.Ordinal);

    /// <summary>Every fixture file (data and sidecars, not references), relative to the root.</summary>
    public static IEnumerable<string> AllFixtures() => Directory
        .EnumerateFiles(Root, "*", SearchOption.AllDirectories)
        .Where(p => !p.EndsWith(".json", StringComparison.Ordinal) && !p.EndsWith(".md", StringComparison.Ordinal) && !p.EndsWith(".tsv", StringComparison.Ordinal))
        .Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/'))
        .OrderBy(p => p, StringComparer.Ordinal);
}
