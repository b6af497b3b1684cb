using System.Globalization;
using System.Text.RegularExpressions;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.Tiff;

/// <summary>Pixel calibration and metadata found in a TIFF's tags, vendor by vendor.</summary>
internal sealed partial class TiffCalibration
{
    public double XScale { get; set; } = 1;

    public double YScale { get; set; } = 1;

    public double XOffset { get; set; }

    public double YOffset { get; set; }

    public string Units { get; set; } = string.Empty;

    public double ZScale { get; set; } = 1;

    public string ZUnits { get; set; } = string.Empty;

    public string StackName { get; set; } = "z";

    /// <summary>Coordinate of the first page of a stack (in <see cref="ZUnits"/>).</summary>
    public double ZOffset { get; set; }

    public int ImageJImages { get; set; }

    /// <summary>Shape, axes and metadata Condenser wrote into the ImageJ description, if any.</summary>
    public System.Text.Json.Nodes.JsonObject? Condenser { get; set; }

    public Metadata Metadata { get; } = new();

    public MetadataTree Original { get; } = new();

    private static readonly Dictionary<int, string> TagNames = new()
    {
        [254] = "NewSubfileType", [256] = "ImageWidth", [257] = "ImageLength", [258] = "BitsPerSample", [259] = "Compression",
        [262] = "PhotometricInterpretation", [270] = "ImageDescription", [271] = "Make", [272] = "Model", [274] = "Orientation",
        [277] = "SamplesPerPixel", [278] = "RowsPerStrip", [282] = "XResolution", [283] = "YResolution", [284] = "PlanarConfiguration",
        [296] = "ResolutionUnit", [305] = "Software", [306] = "DateTime", [315] = "Artist", [316] = "HostComputer", [339] = "SampleFormat",
        [34118] = "CZ_SEM", [34680] = "FEI_SFEG", [34682] = "FEI_HELIOS", [37706] = "TVIPS", [50838] = "IJMetadataByteCounts", [50839] = "IJMetadata",
        [65003] = "Gatan_XUnits", [65004] = "Gatan_YUnits", [65005] = "Gatan_ZUnits", [65006] = "Gatan_XOrigin", [65007] = "Gatan_YOrigin",
        [65008] = "Gatan_ZOrigin", [65009] = "Gatan_XScale", [65010] = "Gatan_YScale", [65011] = "Gatan_ZScale",
    };

    public static TiffCalibration Read(string path, MappedFile file, TiffIfd ifd, TiffPage page)
    {
        var c = new TiffCalibration();
        c.CopyTags(ifd);
        var description = ifd.Text(270);
        if (ifd.Text(306) is { } dt && DateTime.TryParseExact(dt.Trim(), "yyyy:MM:dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var when))
        {
            c.Metadata.Acquired = when.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        }

        c.Metadata.Instrument = NonEmpty(ifd.Text(272)) ?? NonEmpty(ifd.Text(271));
        if (ifd.Has(34682) || ifd.Has(34680))
        {
            c.Fei(ifd.Text(34682) ?? ifd.Text(34680) ?? string.Empty);
        }
        else if (ifd.Has(34118))
        {
            c.Zeiss(ifd.Text(34118) ?? string.Empty, page.Width);
        }
        else if (ifd.Has(65009))
        {
            c.Gatan(ifd);
        }
        else if (description is not null && description.StartsWith("ImageJ=", StringComparison.Ordinal))
        {
            c.ImageJ(description, ifd);
        }
        else if (description is not null && description.StartsWith("[Application]", StringComparison.Ordinal))
        {
            c.Hamamatsu(description, file);
        }
        else if (description is not null && description.TrimStart().StartsWith("<?xml", StringComparison.Ordinal) && description.Contains("<TemReporter", StringComparison.Ordinal))
        {
            c.Jeol(description, ifd);
        }
        else if (ifd.Has(37706) && (int)(ifd.Number(296) ?? 2) == 3)
        {
            // TVIPS: the resolution tags give pixels per cm.
            c.SetLength(0.01 / (ifd.Number(282) ?? double.NaN), 0.01 / (ifd.Number(283) ?? double.NaN));
            c.Metadata.Detector = "TVIPS";
        }
        else if (description is { Length: > 0 and < 512 } d && !d.Contains('\n') && !d.Contains('='))
        {
            c.Metadata.Title = d.Trim();
        }

        if (ifd.Has(37706))
        {
            c.Tvips(ifd, file);
        }

        c.Condenser = CondenserLine(description);
        return c;
    }

    private void CopyTags(TiffIfd ifd)
    {
        var tags = Original.Child("tiff_tags");
        foreach (var tag in ifd.Tags.Order())
        {
            string name = TagNames.TryGetValue(tag, out var n) ? n : $"tag_{tag}";
            if (tag is 273 or 279 or 324 or 325)
            {
                continue;
            }

            if (tag is 270 or 271 or 272 or 305 or 306 or 315 or 316 or 34118 or 34680 or 34682 or 65003 or 65004 or 65005 or 65012 or 65013)
            {
                tags[name] = ifd.Text(tag);
            }
            else
            {
                var v = ifd.Numbers(tag);
                if (v.Length == 1)
                {
                    tags[name] = v[0];
                }
                else if (v.Length is > 1 and <= 64)
                {
                    tags[name] = v;
                }
            }
        }
    }

    /// <summary>Sets a length calibration given in metres per pixel, presented in nm or µm.</summary>
    private void SetLength(double xMetres, double yMetres, double xOffsetMetres = 0, double yOffsetMetres = 0)
    {
        if (!(xMetres > 0) || !(yMetres > 0) || !double.IsFinite(xMetres) || !double.IsFinite(yMetres))
        {
            return;
        }

        double factor = xMetres < 1e-6 ? 1e9 : 1e6;
        Units = factor == 1e9 ? "nm" : "µm";
        XScale = xMetres * factor;
        YScale = yMetres * factor;
        XOffset = xOffsetMetres * factor;
        YOffset = yOffsetMetres * factor;
    }

    private void Fei(string ini)
    {
        var tree = Ini(ini);
        Original["fei_metadata"] = tree;
        double? D(string s, string k) => (tree.Get(s) as MetadataTree)?.GetDouble(k);
        string? S(string s, string k) => NonEmpty((tree.Get(s) as MetadataTree)?.GetString(k));
        if (D("Scan", "PixelWidth") is { } pw)
        {
            SetLength(pw, D("Scan", "PixelHeight") ?? pw);
        }
        else if (S("Beam", "Beam") is { } beam && D(beam, "HFW") is > 0 and var hfw && D("Image", "ResolutionX") is > 0 and var rx)
        {
            // Navigation camera and other views: the field width over the scan resolution.
            double vfw = D(beam, "VFW") ?? double.NaN, ry = D("Image", "ResolutionY") ?? double.NaN;
            SetLength(hfw / rx, vfw > 0 && ry > 0 ? vfw / ry : hfw / rx);
        }
        if ((D("Beam", "HV") ?? D("EBeam", "HV")) is > 0 and var hv)
        {
            Metadata.BeamEnergyKeV = hv / 1000.0;
        }

        Metadata.ExposureS = D("Scan", "Dwelltime") is > 0 and var dwell ? dwell : null;
        Metadata.Instrument = S("System", "SystemType") ?? Metadata.Instrument;
        Metadata.Detector = S("Detectors", "Name") ?? S("Detectors", "Mode");
        if (S("User", "Date") is { } date && DateTime.TryParse(date + " " + (S("User", "Time") ?? string.Empty), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            Metadata.Acquired = t.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        }
    }

    private void Zeiss(string text, int width)
    {
        var lines = text.Split(["\r\n", "\n"], StringSplitOptions.None);
        var tree = new MetadataTree();
        for (int i = 0; i + 1 < lines.Length; i++)
        {
            if (lines[i].StartsWith("AP_", StringComparison.Ordinal) || lines[i].StartsWith("DP_", StringComparison.Ordinal) || lines[i].StartsWith("SV_", StringComparison.Ordinal))
            {
                var label = lines[i + 1];
                int sep = label.IndexOfAny(['=', ':']);
                if (sep > 0)
                {
                    tree.Add(lines[i], label[(sep + 1)..].Trim());
                }
            }
        }

        Original["cz_sem"] = tree;

        // The tag starts with unnamed values in SI units; the fourth is the pixel size of a 1024-pixel-wide scan
        // (the named "Pixel Size" labels round it), so an image of another width scales it by 1024 / width.
        double pixel = lines.Length > 3 && double.TryParse(lines[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var p0) ? p0 * 1024 / width : double.NaN;
        SetLength(pixel, pixel);
        if (Quantity(tree.GetString("AP_ACTUALKV")) is { } kv)
        {
            Metadata.BeamEnergyKeV = kv.Unit.Equals("kV", StringComparison.OrdinalIgnoreCase) ? kv.Value : kv.Value / 1000.0;
        }

        if (tree.GetString("AP_MAG") is { } mag && Quantity(mag) is { } q)
        {
            Metadata.Magnification = q.Value * (q.Unit.StartsWith("K", StringComparison.Ordinal) ? 1000 : 1);
        }

        if (Quantity(tree.GetString("DP_DWELL_TIME")) is { } dwell)
        {
            double? perUnit = dwell.Unit switch { "s" => 1, "ms" => 1e-3, "µs" or "us" => 1e-6, "ns" => 1e-9, _ => null };
            Metadata.ExposureS = perUnit is { } f && dwell.Value > 0 ? dwell.Value * f : null;
        }

        Metadata.Detector = NonEmpty(tree.GetString("DP_DETECTOR_CHANNEL")) ?? NonEmpty(tree.GetString("DP_DETECTOR_TYPE"));
        Metadata.Instrument = NonEmpty(tree.GetString("SV_SERIAL_NUMBER")) ?? Metadata.Instrument;
        if (tree.GetString("AP_DATE") is { } d && DateTime.TryParse(d + " " + tree.GetString("AP_TIME"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            Metadata.Acquired = t.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>JEOL SightX: a <c>TemReporter</c> XML document in the image description.</summary>
    private void Jeol(string xml, TiffIfd ifd)
    {
        System.Xml.Linq.XElement root;
        try
        {
            root = System.Xml.Linq.XElement.Parse(xml);
        }
        catch (System.Xml.XmlException)
        {
            return;
        }

        Original["jeol"] = XmlMetadata.Tree(root);
        string? V(params string[] path)
        {
            System.Xml.Linq.XElement? e = root;
            foreach (var p in path)
            {
                e = e?.Element(p);
            }

            return string.IsNullOrWhiteSpace(e?.Value) ? null : e.Value.Trim();
        }

        double? D(params string[] path) => double.TryParse(V(path), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
        if (D("ElectronGun", "AccelerationVoltage") is > 0 and var hv)
        {
            Metadata.BeamEnergyKeV = hv / 1000.0;
        }

        Metadata.Instrument = V("Instruments") ?? Metadata.Instrument;
        var mode = V("ImageFormingSystem", "ModeString");
        if (mode == "MAG" && D("ImageFormingSystem", "SelectorValue") is > 0 and var mag)
        {
            Metadata.Magnification = mag;
        }

        JeolCalibration(V, D, ifd);

        var when = root.Descendants("DateTime").FirstOrDefault()?.Value;
        if (DateTimeOffset.TryParse(when, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            Metadata.Acquired = t.ToString("yyyy-MM-ddTHH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);
        }

        if (root.Descendants("ExposureTimeValue").FirstOrDefault(e => e.Value != "0")?.Value is { } us && double.TryParse(us, NumberStyles.Float, CultureInfo.InvariantCulture, out var exposure))
        {
            Metadata.ExposureS = exposure * 1e-6;
        }

        // The title the JEOL software shows: illumination mode, image field, forming mode, selector.
        var parts = new[] { V("IlluminationSystem", "Mode"), V("IlluminationSystem", "ImageField"), V("ImageFormingSystem", "ImageFormingMode"), V("ImageFormingSystem", "SelectorString") }
            .Where(x => x is not null).Select(x => x!.StartsWith("mode", StringComparison.Ordinal) ? x[4..] : x);
        var title = string.Join(", ", parts);
        Metadata.Title = title.Length > 0 ? title : null;
    }

    /// <summary>The shape, axes and metadata Condenser writes as a <c>condenser=</c> line of the description, if any.</summary>
    private static System.Text.Json.Nodes.JsonObject? CondenserLine(string? description)
    {
        var line = description?.Split('\n').FirstOrDefault(l => l.StartsWith("condenser=", StringComparison.Ordinal));
        try
        {
            return line is null ? null : System.Text.Json.Nodes.JsonNode.Parse(line["condenser=".Length..]) as System.Text.Json.Nodes.JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// TVIPS EM-MENU: tag 37706 points at the TemData header (version 1, 244 bytes, then version 2, 6068 bytes, closed by
    /// the magic 0xAAAAAAAA); from version 2 the high tension (V), magnification (camera length in mm in diffraction,
    /// TemMode 3) and exposure (ms), at their offsets in that layout.
    /// </summary>
    private void Tvips(TiffIfd ifd, MappedFile file)
    {
        const int V1 = 244, V2 = 6068;
        if (ifd.Number(37706) is not { } at || at < 8 || at + V1 + V2 > file.Length)
        {
            return;
        }

        var h = file.Span((long)at, V1 + V2).ToArray();
        bool big = ifd.BigEndian;
        int I32(int o) => BinaryFields.I32(h, o, big);
        float F32(int o) => BinaryFields.F32(h, o, big);
        if (I32(0) != 2 || (uint)I32(V1 + 6064) != 0xAAAAAAAA)
        {
            return;
        }

        static double? Positive(float v) => v > 0 && float.IsFinite(v) ? v : null;
        Metadata.BeamEnergyKeV = Positive(F32(V1 + 3028)) / 1000.0;
        if (I32(V1 + 3288) == 3)
        {
            Metadata.CameraLengthMm = Positive(F32(V1 + 3292));
        }
        else
        {
            Metadata.Magnification = Positive(F32(V1 + 3292));
        }

        Metadata.ExposureS = Positive(F32(V1 + 3708)) / 1000.0;
    }

    /// <summary>
    /// JEOL SightX calibrations, as HyperSpy derives them: in TEM (EosMode eosTEM) the camera pixel is 1/XResolution in
    /// the resolution unit (cm, or inch); in MAG mode the specimen pixel is that over the magnification (nm), in DIFF mode
    /// the reciprocal pixel is camera pixel / (camera length · λ) with the relativistic wavelength of the high tension
    /// (1/nm). Scanning (ASID) images carry no calibration here, as in HyperSpy.
    /// </summary>
    private void JeolCalibration(Func<string[], string?> text, Func<string[], double?> number, TiffIfd ifd)
    {
        if (text(["Eos", "EosMode"]) != "eosTEM" || ifd.Number(282) is not { } xres || ifd.Number(283) is not { } yres || !(xres > 0) || !(yres > 0))
        {
            return;
        }

        double metresPerUnit = (int)(ifd.Number(296) ?? 2) == 3 ? 0.01 : 0.0254;
        double px = metresPerUnit / xres, py = metresPerUnit / yres;
        string? mode = text(["ImageFormingSystem", "ModeString"]);
        if (mode == "MAG" && number(["ImageFormingSystem", "SelectorValue"]) is > 0 and var mag)
        {
            XScale = px / mag * 1e9;
            YScale = py / mag * 1e9;
            Units = "nm";
        }
        else if (mode == "DIFF" && number(["ImageFormingSystem", "SelectorValue"]) is > 0 and var length && number(["ElectronGun", "AccelerationVoltage"]) is > 0 and var volts)
        {
            double metres = text(["ImageFormingSystem", "SelectorUnitString"]) switch { "mm" => length / 1000, "cm" => length / 100, _ => length };
            double lambda = RelativisticWavelengthMetres(volts);
            XScale = px / (metres * lambda) * 1e-9;
            YScale = py / (metres * lambda) * 1e-9;
            Units = "1/nm";
            Metadata.CameraLengthMm = metres * 1000;
        }
    }

    /// <summary>λ = h / √(2 m e V (1 + e V / (2 m c²))) in metres, for an accelerating voltage in volts.</summary>
    private static double RelativisticWavelengthMetres(double volts)
    {
        const double h = 6.62607015e-34, m = 9.1093837015e-31, e = 1.602176634e-19, c = 299792458;
        return h / Math.Sqrt(2 * m * e * volts * (1 + (e * volts / (2 * m * c * c))));
    }

    private void Gatan(TiffIfd ifd)
    {
        XScale = ifd.Number(65009) ?? 1;
        YScale = ifd.Number(65010) ?? 1;
        XOffset = ifd.Number(65006) ?? 0;
        YOffset = ifd.Number(65007) ?? 0;
        Units = ifd.Text(65003)?.Trim() ?? string.Empty;
        if (ifd.Number(65011) is { } z && z != 0 && double.IsFinite(z))
        {
            // A stack exported by DigitalMicrograph (or written by HyperSpy or Condenser) calibrates its stack axis too.
            ZScale = z;
            ZOffset = ifd.Number(65008) is { } zo && double.IsFinite(zo) ? zo : 0;
            ZUnits = ifd.Text(65005)?.Trim() ?? string.Empty;
        }

        Metadata.Detector = null;
    }

    private void ImageJ(string description, TiffIfd ifd)
    {
        var tree = new MetadataTree();
        foreach (var line in description.Split('\n'))
        {
            int eq = line.IndexOf('=');
            if (eq > 0 && !line.StartsWith("condenser=", StringComparison.Ordinal))
            {
                tree.Add(line[..eq].Trim(), line[(eq + 1)..].Trim());
            }
        }

        Original["imagej"] = tree;
        ImageJImages = (int)(tree.GetDouble("images") ?? 0);
        string unit = (tree.GetString("unit") ?? string.Empty).Replace("\\u00B5", "µ", StringComparison.Ordinal);
        unit = unit switch { "micron" or "microns" or "um" => "µm", "A" or "angstrom" => "Å", "pixel" or "pixels" => string.Empty, _ => unit };
        double xres = ifd.Number(282) ?? 1, yres = ifd.Number(283) ?? 1;
        if (unit.Length > 0 && xres > 0 && yres > 0)
        {
            XScale = 1 / xres;
            YScale = 1 / yres;
            Units = unit;
        }

        if (tree.GetDouble("spacing") is > 0 and var spacing)
        {
            ZScale = spacing;
            ZUnits = unit;
        }
        else if (tree.GetDouble("frames") is > 1 && tree.GetDouble("finterval") is > 0 and var dt)
        {
            ZScale = dt;
            ZUnits = "s";
            StackName = "t";
        }
    }

    private void Hamamatsu(string description, MappedFile file)
    {
        var tree = new MetadataTree();
        foreach (var section in description.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            int close = section.IndexOf(']');
            if (!section.StartsWith('[') || close < 0)
            {
                continue;
            }

            var group = tree.Child(section[1..close]);
            foreach (Match m in HamamatsuPair().Matches(section[(close + 1)..]))
            {
                group.Add(m.Groups[1].Value, m.Groups[2].Value.Trim('"'));
            }
        }

        Original["hamamatsu"] = tree;
        if (tree.Get("Scaling") is MetadataTree scaling)
        {
            (XScale, XOffset, var xu) = HamamatsuAxis(scaling, "X", file);
            (YScale, YOffset, var yu) = HamamatsuAxis(scaling, "Y", file);
            Units = xu;
            YUnits = yu;
        }

        Metadata.Detector = (tree.Get("Camera") as MetadataTree)?.GetString("CameraName");
    }

    /// <summary>Units of the y axis when they differ from x (Hamamatsu streak images: time down, wavelength across).</summary>
    public string? YUnits { get; private set; }

    private static (double Scale, double Offset, string Units) HamamatsuAxis(MetadataTree s, string axis, MappedFile file)
    {
        string units = s.GetString($"Scaling{axis}Unit") ?? string.Empty;
        if (s.GetString($"Scaling{axis}ScalingFile") is { } f && f.StartsWith('#'))
        {
            var parts = f[1..].Split(',');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var at) && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 1 && n < 1 << 20)
            {
                var table = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.Span(at, n * 4)).ToArray();
                var (scale, offset) = LinearFit(table);
                return (scale, offset, units);
            }
        }

        return (1, 0, units == "pixel" ? string.Empty : units.Length > 0 && s.GetDouble($"Scaling{axis}Scale") is > 0 ? units : string.Empty);
    }

    /// <summary>Least-squares line through (i, table[i]): the linear calibration of a per-pixel table.</summary>
    public static (double Scale, double Offset) LinearFit(float[] table)
    {
        int n = table.Length;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = 0; i < n; i++)
        {
            sx += i;
            sy += table[i];
            sxx += (double)i * i;
            sxy += i * (double)table[i];
        }

        double slope = ((n * sxy) - (sx * sy)) / ((n * sxx) - (sx * sx));
        return (slope, (sy - (slope * sx)) / n);
    }

    private static MetadataTree Ini(string text)
    {
        var tree = new MetadataTree();
        var section = tree;
        foreach (var raw in text.Split(["\r\n", "\n"], StringSplitOptions.None))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = tree.Child(line[1..^1]);
            }
            else if (line.IndexOf('=') is var eq and > 0)
            {
                section.Add(line[..eq], line[(eq + 1)..]);
            }
        }

        return tree;
    }

    private static (double Value, string Unit)? Quantity(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var m = QuantityPattern().Match(text);
        return m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? (v, m.Groups[2].Value.Trim()) : null;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    [GeneratedRegex(@"(\d+)\s*\*\s*(\d+)")]
    private static partial Regex StoreResolution();

    [GeneratedRegex(@"^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*(.*)$")]
    private static partial Regex QuantityPattern();

    [GeneratedRegex(@",?([A-Za-z_][A-Za-z0-9_ ]*)=(""[^""]*""|[^,]*)")]
    private static partial Regex HamamatsuPair();
}
