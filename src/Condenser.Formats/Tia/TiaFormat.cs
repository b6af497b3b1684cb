using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Condenser.Data;

namespace Condenser.Formats.Tia;

/// <summary>
/// FEI TIA: an .emi file (acquisition metadata, XML inside) with its series files <c>NAME_1.ser</c>, <c>NAME_2.ser</c> …;
/// images, spectra, line profiles and spectrum images, old and new versions. A .ser opens on its own too.
/// </summary>
public sealed partial class TiaFormat : IEmFormat
{
    /// <inheritdoc/>
    public string Name => "tia";

    /// <inheritdoc/>
    public string Description => "FEI TIA .emi + .ser (images, spectra, line profiles, spectrum images)";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".emi", ".ser"];

    /// <inheritdoc/>
    public bool TryDetect(ReadOnlySpan<byte> header)
        => SerFile.IsSer(header) || (header.Length >= 4 && header[0] == (byte)'J' && header[1] == (byte)'K' && header[2] == 0 && header[3] == 2);

    /// <inheritdoc/>
    public IReadOnlyList<string> Companions(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var stem = Path.GetFileNameWithoutExtension(path);
        if (Path.GetExtension(path).Equals(".emi", StringComparison.OrdinalIgnoreCase))
        {
            return Directory.EnumerateFiles(dir, stem + "_*.ser")
                .Where(f => SerIndex().Match(Path.GetFileNameWithoutExtension(f)) is { Success: true } m && m.Groups[1].Value == stem)
                .Order(StringComparer.Ordinal).ToList();
        }

        var s = SerIndex().Match(stem);
        var emi = s.Success ? Path.Combine(dir, s.Groups[1].Value + ".emi") : null;
        return emi is not null && File.Exists(emi) ? [emi] : [];
    }

    /// <inheritdoc/>
    public EmFile Open(string path, OpenOptions? options = null)
    {
        bool isSer = Path.GetExtension(path).Equals(".ser", StringComparison.OrdinalIgnoreCase)
            || (File.Exists(path) && SerFile.IsSer(Head(path)));
        string emi;
        List<string> series;
        if (isSer)
        {
            var m = SerIndex().Match(Path.GetFileNameWithoutExtension(path));
            emi = m.Success ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", m.Groups[1].Value + ".emi") : string.Empty;
            series = [path];
        }
        else
        {
            emi = path;
            var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            var stem = Path.GetFileNameWithoutExtension(path);
            series = Directory.EnumerateFiles(dir, stem + "_*.ser")
                .Select(f => (File: f, M: SerIndex().Match(Path.GetFileNameWithoutExtension(f))))
                .Where(x => x.M.Success && x.M.Groups[1].Value == stem)
                .OrderBy(x => int.Parse(x.M.Groups[2].Value, CultureInfo.InvariantCulture))
                .Select(x => x.File)
                .ToList();
            if (series.Count == 0)
            {
                throw new EmFileException(path, -1, $"no series file ({stem}_1.ser …) lies beside the .emi");
            }
        }

        var (md, tree) = File.Exists(emi) ? ReadEmi(emi) : (new Metadata(), null);
        var sets = new List<EmDataset>();
        try
        {
            foreach (var s in series)
            {
                sets.Add(SerFile.Read(s, md, tree));
            }
        }
        catch
        {
            foreach (var d in sets)
            {
                d.Dispose();
            }

            throw;
        }

        return new EmFile(path, Name, sets);
    }

    private static byte[] Head(string path)
    {
        var b = new byte[8];
        using var s = File.OpenRead(path);
        int n = s.ReadAtLeast(b, b.Length, false);
        return b[..n];
    }

    /// <summary>The ObjectInfo XML inside an .emi: microscope conditions and the acquisition description.</summary>
    private static (Metadata, MetadataTree?) ReadEmi(string emi)
    {
        var md = new Metadata();
        if (new FileInfo(emi).Length > 256 << 20)
        {
            return (md, null);
        }

        var text = Encoding.Latin1.GetString(File.ReadAllBytes(emi));
        int a = text.IndexOf("<ObjectInfo>", StringComparison.Ordinal), b = text.IndexOf("</ObjectInfo>", StringComparison.Ordinal);
        if (a < 0 || b < a)
        {
            return (md, null);
        }

        XElement root;
        try
        {
            root = XElement.Parse(text[a..(b + "</ObjectInfo>".Length)]);
        }
        catch (XmlException)
        {
            return (md, null);
        }

        var tree = new MetadataTree();
        var described = tree.Child("ExperimentalDescription");
        foreach (var d in root.Descendants("Data").Where(x => x.Element("Label") is not null))
        {
            var unit = d.Element("Unit")?.Value;
            described.Add(d.Element("Label")!.Value, d.Element("Value")?.Value + (string.IsNullOrEmpty(unit) ? string.Empty : " " + unit));
        }

        foreach (var e in root.Elements().Where(e => !e.HasElements))
        {
            tree.Add(e.Name.LocalName, e.Value);
        }

        if (double.TryParse(root.Element("ExperimentalConditions")?.Element("MicroscopeConditions")?.Element("AcceleratingVoltage")?.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var kv) && kv > 0)
        {
            md.BeamEnergyKeV = kv / 1000.0;
        }

        md.Magnification = Number(described.GetString("Magnification"));
        md.CameraLengthMm = Number(described.GetString("Camera length")) * 1000.0;
        md.Instrument = described.GetString("Microscope");
        // The acquisition's own record (AcquireInfo) first: the dwell time per position or the exposure of an image.
        var acquire = root.Element("AcquireInfo");
        md.ExposureS = Number(acquire?.Element("DwellTimePath")?.Value) ?? Number(described.GetString("Dwell time")) ?? Number(described.GetString("Integration time"));
        if (root.Element("AcquireDate")?.Value is { } date && DateTime.TryParseExact(date.Trim(), "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AllowInnerWhite, out var when))
        {
            md.Acquired = when.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        }

        md.Detector = root.Element("DetectorPixelHeight") is not null ? null : described.GetString("Detector");
        return (md, tree);
    }

    private static double? Number(string? s)
    {
        if (s is null)
        {
            return null;
        }

        var first = s.Trim().Split(' ')[0];
        return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;
    }

    [GeneratedRegex(@"^(.*)_(\d+)$")]
    private static partial Regex SerIndex();
}
