using System.Text.Json;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.Raw;

/// <summary>
/// Plain raw binary with a given shape and dtype (C order), memory-mapped. A JSON sidecar written by
/// <see cref="RawWriter"/> (<c>FILE.json</c>) supplies shape, dtype, axes and metadata when present.
/// </summary>
public sealed class RawFormat : IEmFormat
{
    /// <inheritdoc/>
    public string Name => "raw";

    /// <inheritdoc/>
    public string Description => "raw binary (shape and dtype given, or from a Condenser JSON sidecar)";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".raw", ".bin", ".dat"];

    /// <inheritdoc/>
    public bool TryDetect(ReadOnlySpan<byte> header) => false;

    /// <inheritdoc/>
    public IReadOnlyList<string> Companions(string path) => File.Exists(RawSidecar.PathFor(path)) ? [RawSidecar.PathFor(path)] : [];

    /// <inheritdoc/>
    public EmFile Open(string path, OpenOptions? options = null)
    {
        var sidecar = RawSidecar.PathFor(path);
        if (options?.Shape is null && File.Exists(sidecar))
        {
            return RawSidecar.Open(path, sidecar);
        }

        if (options?.Shape is not { } shape || options.DType is not { } dtype)
        {
            throw new EmFileException(path, -1, "a raw file needs its shape and dtype (--shape and --dtype) or a JSON sidecar");
        }

        int navDims = options.NavigationDims ?? Math.Max(0, shape.Length - (shape.Length == 1 ? 1 : 2));
        if (navDims < 0 || navDims > shape.Length || shape.Any(s => s <= 0))
        {
            throw new EmFileException(path, -1, $"shape {string.Join(",", shape)} with {navDims} navigation dimensions is not valid");
        }

        return OpenWith(path, shape[..navDims], shape[navDims..], dtype, options.Offset, options.BigEndian, null, null, null);
    }

    internal static EmFile OpenWith(string path, int[] nav, int[] sig, DType dtype, long offset, bool bigEndian, IReadOnlyList<Axis>? axes, Metadata? md, MetadataTree? original)
    {
        var shape = new DatasetShape(nav, sig);
        long bytes = checked(shape.ElementCount * dtype.Size());
        using var file = new MappedFile(path);
        var storage = new FileRegionStorage(file, offset, bytes, bigEndian ? dtype.SwapUnit() : 1);
        string[] navNames = nav.Length == 2 ? ["y", "x"] : nav.Select((_, i) => $"n{i}").ToArray();
        string[] sigNames = sig.Length == 2 ? ["qy", "qx"] : sig.Length == 1 ? ["signal"] : sig.Select((_, i) => $"s{i}").ToArray();
        axes ??= nav.Select((n, i) => Axis.Plain(navNames[i], n, true)).Concat(sig.Select((n, i) => Axis.Plain(sigNames[i], n, false))).ToArray();
        md ??= new Metadata { SignalType = sig.Length == 1 ? SignalTypeRules.Infer(SignalTypes.Spectrum, nav.Length) : SignalTypeRules.Infer(nav.Length >= 2 ? SignalTypes.Diffraction : SignalTypes.Image, nav.Length) };
        var ds = new EmDataset(Path.GetFileNameWithoutExtension(path), shape, axes, dtype, storage, md, original);
        return new EmFile(path, "raw", [ds]);
    }
}
