using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.Empad;

/// <summary>
/// EMPAD (Thermo Fisher / Cornell pixel array detector): an XML description plus a raw file of float32 frames of
/// 128 × 130 pixels, whose last two rows are frame metadata and are dropped.
/// </summary>
public sealed class EmpadFormat : IEmFormat
{
    private const int Width = 128, Height = 128, RawHeight = 130;

    /// <inheritdoc/>
    public string Name => "empad";

    /// <inheritdoc/>
    public string Description => "EMPAD raw + XML";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".xml"];

    /// <inheritdoc/>
    public bool TryDetect(ReadOnlySpan<byte> header)
    {
        var text = System.Text.Encoding.ASCII.GetString(header[..Math.Min(header.Length, 2048)]);
        return text.TrimStart().StartsWith('<') && text.Contains("<root", StringComparison.Ordinal) && text.Contains("raw_file", StringComparison.Ordinal);
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Companions(string path)
    {
        try
        {
            if (new FileInfo(path).Length > 16 << 20)
            {
                return [];
            }

            var name = XDocument.Load(path, LoadOptions.None).Root?.Element("raw_file")?.Attribute("filename")?.Value;
            var raw = name is null ? null : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", Path.GetFileName(name));
            return raw is not null && File.Exists(raw) ? [raw] : [];
        }
        catch (XmlException)
        {
            return [];
        }
    }

    /// <inheritdoc/>
    public EmFile Open(string path, OpenOptions? options = null)
    {
        XDocument doc;
        try
        {
            if (new FileInfo(path).Length > 16 << 20)
            {
                throw new EmFileException(path, -1, "the EMPAD XML is larger than 16 MiB");
            }

            doc = XDocument.Load(path, LoadOptions.None);
        }
        catch (XmlException e)
        {
            throw new EmFileException(path, -1, $"not valid XML: {e.Message}", e);
        }

        var root = doc.Root ?? throw new EmFileException(path, -1, "empty XML");
        var rawName = root.Element("raw_file")?.Attribute("filename")?.Value
            ?? throw new EmFileException(path, -1, "the XML names no raw_file");
        var rawPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", Path.GetFileName(rawName));
        if (!File.Exists(rawPath))
        {
            throw new EmFileException(path, -1, $"the raw file '{rawName}' it names is not beside it");
        }

        int[] nav;
        var scan = root.Element("scan_parameters");
        if (options?.NavigationShape is { } given)
        {
            nav = given;
        }
        else if (Int(scan?.Element("series_count")) is { } series)
        {
            nav = [series];
        }
        else if (Int(root.Element("pix_x")) is { } px && Int(root.Element("pix_y")) is { } py)
        {
            nav = [py, px];
        }
        else if (Int(scan?.Element("scan_resolution_x")) is { } rx && Int(scan?.Element("scan_resolution_y")) is { } ry)
        {
            nav = [ry, rx];
        }
        else
        {
            throw new EmFileException(path, -1, "the XML gives no scan size (pix_x/pix_y, scan_resolution_x/y or series_count)");
        }

        if (nav.Any(n => n <= 0))
        {
            throw new EmFileException(path, -1, $"scan size {string.Join("×", nav)} is not valid");
        }

        var original = XmlMetadata.Tree(root);
        var md = new Metadata
        {
            SignalType = SignalTypeRules.Infer(SignalTypes.Diffraction, nav.Length),
            Detector = "EMPAD",
            Acquired = root.Element("timestamp")?.Element("isoformat")?.Value,
        };

        double? pixel = double.TryParse(root.Element("iom_measurements")?.Element("calibrated_pixelsize")?.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var cp) ? cp * 1e9 : null;
        var names = nav.Length == 2 ? new[] { "y", "x" } : ["frame"];
        var axes = nav.Select((n, i) => Axis.Plain(names[i], n, true)).ToList();
        foreach (var name in new[] { "qy", "qx" })
        {
            axes.Add(pixel is { } p ? new Axis(name, 128, p, -64 * p, "1/nm") : Axis.Plain(name, 128, false));
        }

        using var file = new MappedFile(rawPath);
        long frames = nav.Aggregate(1L, (a, b) => a * b);
        const int stored = Width * RawHeight * 4;
        var storage = new FramedFileStorage(file, frames, Width * Height * 4, i => i * stored, 1, (s, f) => s[..f.Length].CopyTo(f), stored);
        var ds = new EmDataset(Path.GetFileNameWithoutExtension(path), new DatasetShape(nav, [Height, Width]), axes, DType.Float32, storage, md, original);
        return new EmFile(path, Name, [ds]);
    }

    private static int? Int(XElement? e) => int.TryParse(e?.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
}
