using Condenser.Data;

namespace Condenser.Formats;

/// <summary>A file format Condenser reads (and perhaps writes). One folder per format implements it.</summary>
public interface IEmFormat
{
    /// <summary>Short stable name (digitalmicrograph, mrc, tiff, emd, tia, mib, empad, raw).</summary>
    string Name { get; }

    /// <summary>A human description.</summary>
    string Description { get; }

    /// <summary>File extensions, lower case with the dot.</summary>
    IReadOnlyList<string> Extensions { get; }

    /// <summary>True when the first bytes of a file (up to <see cref="FormatRegistry.HeaderBytes"/>) identify this format.</summary>
    bool TryDetect(ReadOnlySpan<byte> header);

    /// <summary>Opens a file lazily: shapes, axes and metadata are parsed, values are read on demand.</summary>
    /// <exception cref="EmFileException">The file is not a valid file of this format.</exception>
    EmFile Open(string path, OpenOptions? options = null);

    /// <summary>
    /// The other files beside <paramref name="path"/> that belong to it and that <see cref="Open"/> reads (a Merlin .hdr,
    /// TIA series files, an EMPAD raw file, a sidecar); a library stores them together.
    /// </summary>
    IReadOnlyList<string> Companions(string path) => [];
}

/// <summary>A format that can also write datasets.</summary>
public interface IEmWriter
{
    /// <summary>Short stable name of the written format.</summary>
    string Name { get; }

    /// <summary>Writes the datasets to <paramref name="path"/>, replacing it.</summary>
    void Write(string path, IReadOnlyList<EmDataset> datasets, WriteOptions? options = null);
}

/// <summary>Options a reader may need that the file cannot tell.</summary>
public sealed record OpenOptions
{
    /// <summary>Full shape, C order, for raw data (navigation then signal).</summary>
    public int[]? Shape { get; init; }

    /// <summary>How many of the leading dimensions of <see cref="Shape"/> are navigation; default: all but the last two (all but one for 1-d).</summary>
    public int? NavigationDims { get; init; }

    /// <summary>Element type for raw data.</summary>
    public DType? DType { get; init; }

    /// <summary>Byte offset of the data in a raw file.</summary>
    public long Offset { get; init; }

    /// <summary>True when raw data is big-endian.</summary>
    public bool BigEndian { get; init; }

    /// <summary>Scan shape (C order: y, x) overriding what the file says (Merlin MIB, EMPAD).</summary>
    public int[]? NavigationShape { get; init; }
}

/// <summary>Options for writers.</summary>
public sealed record WriteOptions
{
    /// <summary>Text recorded as the software that wrote the file.</summary>
    public string Software { get; init; } = "Condenser";

    /// <summary>Sample name, for formats that record it (NeXus NXsample).</summary>
    public string? Sample { get; init; }

    /// <summary>Chemical element symbols of the sample (NeXus NXsample/atom_types).</summary>
    public IReadOnlyList<string> Elements { get; init; } = [];

    /// <summary>Who acquired the data (NeXus NXuser).</summary>
    public string? Operator { get; init; }

    /// <summary>A persistent identifier of the data (NeXus NXentry/experiment_identifier).</summary>
    public string? Identifier { get; init; }
}
