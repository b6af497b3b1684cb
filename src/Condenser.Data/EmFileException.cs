namespace Condenser.Data;

/// <summary>
/// The one exception that readers throw for a file they cannot read: truncated, corrupted, mislabelled or hostile.
/// It names the file, the byte offset where the problem was found (or -1 when no single offset applies) and what was wrong.
/// </summary>
public sealed class EmFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file that could not be read.</param>
    /// <param name="offset">Byte offset in the file where the problem lies; -1 when none applies.</param>
    /// <param name="problem">What was wrong, in words a user understands.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public EmFileException(string path, long offset, string problem, Exception? inner = null)
        : base(Format(path, offset, problem), inner)
    {
        FilePath = path;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The file that could not be read.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset of the problem in the file; -1 when none applies.</summary>
    public long Offset { get; }

    /// <summary>What was wrong.</summary>
    public string Problem { get; }

    private static string Format(string path, long offset, string problem)
        => offset >= 0 ? $"{path}: at byte {offset}: {problem}" : $"{path}: {problem}";
}
