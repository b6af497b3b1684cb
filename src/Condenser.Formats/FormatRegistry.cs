using Condenser.Data;

namespace Condenser.Formats;

/// <summary>Every format Condenser knows; detects a file by its bytes first, its extension second.</summary>
public static class FormatRegistry
{
    /// <summary>Bytes of the file start given to <see cref="IEmFormat.TryDetect"/>.</summary>
    public const int HeaderBytes = 4096;

    /// <summary>The readers, in detection order.</summary>
    public static IReadOnlyList<IEmFormat> Formats { get; } =
    [
        new DigitalMicrograph.DigitalMicrographFormat(),
        new Mib.MibFormat(),
        new Mrc.MrcFormat(),
        new Tiff.TiffFormat(),
        new Emd.EmdFormat(),
        new Tia.TiaFormat(),
        new Empad.EmpadFormat(),
        new Raw.RawFormat(),
    ];

    /// <summary>The writers.</summary>
    public static IReadOnlyList<IEmWriter> Writers { get; } =
    [
        new Emd.EmdWriter(),
        new Emd.NexusWriter(),
        new Tiff.TiffWriter(),
        new Raw.RawWriter(),
    ];

    /// <summary>A format by name; throws <see cref="ArgumentException"/> naming the known ones.</summary>
    public static IEmFormat Get(string name) => Formats.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown format '{name}'; known: {string.Join(", ", Formats.Select(f => f.Name))}");

    /// <summary>Finds the format of a file: by its first bytes, then by its extension.</summary>
    /// <exception cref="EmFileException">No format recognises the file.</exception>
    public static IEmFormat Detect(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        var header = new byte[HeaderBytes];
        int n;
        using (var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            n = s.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        var span = header.AsSpan(0, n);
        foreach (var f in Formats)
        {
            if (f.TryDetect(span))
            {
                return f;
            }
        }

        var ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        foreach (var f in Formats)
        {
            if (f.Extensions.Contains(ext))
            {
                return f;
            }
        }

        throw new EmFileException(path, 0, "not a file format Condenser knows (neither its first bytes nor its extension match)");
    }

    /// <summary>The companion files a file's format reads beside it; none when no format knows the file.</summary>
    public static IReadOnlyList<string> CompanionsOf(string path)
    {
        try
        {
            return Detect(path).Companions(path);
        }
        catch (EmFileException)
        {
            return [];
        }
    }

    /// <summary>
    /// Files grouped as a library stores them: in name order, each file a format reads is a main file unless an
    /// earlier main file reads it as a companion (a TIA .emi and its .ser name each other; the .emi comes first); the
    /// companions of a main file are those its format names. Files no format knows and no main file claims (a stray
    /// .hdr or .txt) come last, as main files without companions, so that refusing them can say why.
    /// </summary>
    public static List<(string Main, IReadOnlyList<string> Companions)> Group(IEnumerable<string> files)
    {
        var sorted = files.Order(StringComparer.Ordinal).ToList();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var groups = new List<(string, IReadOnlyList<string>)>();
        var unknown = new List<string>();
        foreach (var f in sorted)
        {
            IEmFormat format;
            try
            {
                format = Detect(f);
            }
            catch (EmFileException)
            {
                unknown.Add(f);
                continue;
            }

            if (claimed.Add(System.IO.Path.GetFullPath(f)))
            {
                var companions = format.Companions(f);
                claimed.UnionWith(companions.Select(System.IO.Path.GetFullPath));
                groups.Add((f, companions));
            }
        }

        groups.AddRange(unknown.Where(f => !claimed.Contains(System.IO.Path.GetFullPath(f))).Select(f => (f, (IReadOnlyList<string>)[])));
        return groups;
    }

    /// <summary>Opens a file, detecting its format unless one is named.</summary>
    public static EmFile Open(string path, OpenOptions? options = null, string? format = null)
    {
        var f = format is null ? Detect(path) : Get(format);
        return f.Open(path, options);
    }

    /// <summary>A writer by name or by the extension of <paramref name="path"/>.</summary>
    public static IEmWriter WriterFor(string path, string? format = null)
    {
        if (format is not null)
        {
            return Writers.FirstOrDefault(w => w.Name.Equals(format, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"no writer '{format}'; known: {string.Join(", ", Writers.Select(w => w.Name))}");
        }

        return System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".emd" or ".h5" or ".hdf5" => Writers.First(w => w.Name == "emd"),
            ".nxs" or ".nx5" => Writers.First(w => w.Name == "nexus"),
            ".tif" or ".tiff" => Writers.First(w => w.Name == "tiff"),
            ".raw" or ".bin" => Writers.First(w => w.Name == "raw"),
            var e => throw new ArgumentException($"cannot tell the output format from '{e}': use .emd, .nxs, .tif or .raw, or name one with --format"),
        };
    }
}
