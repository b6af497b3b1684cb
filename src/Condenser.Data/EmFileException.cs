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
        Problem = Printable(problem) is var p && p.Length > MaxMessageLength ? p[..(MaxMessageLength - 1)] + "…" : p;
    }

    /// <summary>The file that could not be read.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset of the problem in the file; -1 when none applies.</summary>
    public long Offset { get; }

    /// <summary>What was wrong: one printable line of at most <see cref="MaxMessageLength"/> characters.</summary>
    public string Problem { get; }

    /// <summary>The longest message (characters): a refusal is one short line, whatever the file held.</summary>
    public const int MaxMessageLength = 500;

    private static string Format(string path, long offset, string problem)
    {
        string where = offset >= 0 ? $"{Printable(path)}: at byte {offset}: " : $"{Printable(path)}: ";
        string what = Printable(problem);
        int room = Math.Max(80, MaxMessageLength - where.Length);
        if (what.Length > room)
        {
            what = what[..(room - 1)] + "…";
        }

        string message = where + what;
        return message.Length > MaxMessageLength ? "…" + message[^(MaxMessageLength - 1)..] : message;
    }

    /// <summary>One line of printable text: line breaks, NULs and other control characters (often read from a
    /// damaged file into a name or a library's message) become spaces, and runs of spaces one.</summary>
    private static string Printable(string text)
    {
        var b = new System.Text.StringBuilder(Math.Min(text.Length, 4 * MaxMessageLength));
        bool space = false;
        foreach (char c in text)
        {
            if (b.Length >= 4 * MaxMessageLength)
            {
                break;
            }

            bool blank = char.IsControl(c) || char.IsWhiteSpace(c) || c is '\uFFFD' or '\uFFFE' or '\uFFFF';
            if (blank)
            {
                space = b.Length > 0;
                continue;
            }

            if (space)
            {
                b.Append(' ');
                space = false;
            }

            b.Append(c);
        }

        return b.ToString();
    }
}
