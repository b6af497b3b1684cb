using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Data.Storage;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// Thermo Fisher Velox EMD: images and image stacks (<c>/Data/Image/&lt;id&gt;</c>, stored rows × columns × frames and
/// presented frames × rows × columns), complex FFT and DPC images, single spectra (<c>/Data/Spectrum</c>), EELS
/// spectrum images (<see cref="VeloxEelsSpectrumImage"/>) and EDS spectrum streams (<see cref="VeloxSpectrumStream"/>).
/// Each carries a JSON metadata block per frame.
/// </summary>
internal static class VeloxReader
{
    public static List<EmDataset> Read(string path, IH5Group root, Lock gate)
    {
        var sets = new List<EmDataset>();
        var data = root.Group("Data");
        var common = new MetadataTree();
        if (root.LinkExists("Version") && root.Get("Version") is IH5Dataset version)
        {
            common["Version"] = TextOf(version);
        }

        if (data.LinkExists("Image"))
        {
            var titles = VeloxTitles.Read(root);
            foreach (var g in data.Group("Image").Children().OfType<IH5Group>().OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                if (Image(path, g, gate, common, titles.GetValueOrDefault(g.Name)) is { } ds)
                {
                    sets.Add(ds);
                }
            }
        }

        if (data.LinkExists("Spectrum"))
        {
            foreach (var g in data.Group("Spectrum").Children().OfType<IH5Group>().OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                if (Spectrum(path, g, gate, common) is { } ds)
                {
                    sets.Add(ds);
                }
            }
        }

        if (data.LinkExists("EelsSpectrumImage"))
        {
            var images = sets.ToList();
            foreach (var g in data.Group("EelsSpectrumImage").Children().OfType<IH5Group>().OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                if (VeloxEelsSpectrumImage.Read(path, g, data, images, gate, common) is { } ds)
                {
                    sets.Add(ds);
                }
            }
        }

        if (data.LinkExists("SpectrumStream"))
        {
            var streams = data.Group("SpectrumStream").Children().OfType<IH5Group>().OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
            var scan = sets.FirstOrDefault(s => s.Shape.Signal.Count == 2);
            if (streams.Count > 0 && scan is not null)
            {
                sets.Add(VeloxSpectrumStream.Read(path, streams, scan, gate, common));
            }
            else if (streams.Count > 0)
            {
                common["unsupported"] = "an EDS spectrum stream without a scan image to give its shape";
            }
        }

        return sets;
    }

    internal static string? TextOf(IH5Dataset d)
    {
        try
        {
            var raw = Hdf5.ReadAll(d);
            return Encoding.UTF8.GetString(raw).TrimEnd('\0');
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            try
            {
                return d.Read<string[]>().FirstOrDefault();
            }
            catch (Exception e2) when (e2 is not OutOfMemoryException)
            {
                return null;
            }
        }
    }

    /// <summary>The JSON metadata of the first frame (column 0 of the Metadata dataset).</summary>
    internal static JsonObject? FrameMetadata(IH5Group g, Lock gate)
    {
        if (!g.LinkExists("Metadata") || g.Get("Metadata") is not IH5Dataset m)
        {
            return null;
        }

        var dims = m.Space.Dimensions;
        if (dims.Length != 2 || dims[0] > 1 << 24)
        {
            return null;
        }

        byte[] raw;
        lock (gate)
        {
            raw = Hdf5.ReadBlock(m, [0, 0], [dims[0], 1]);
        }

        int end = Array.IndexOf(raw, (byte)0);
        var text = Encoding.UTF8.GetString(raw, 0, end < 0 ? raw.Length : end);
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static EmDataset? Image(string path, IH5Group g, Lock gate, MetadataTree common, string? title)
    {
        if (Hdf5.NumericData(path, g, "Data") is not var (d, type))
        {
            return null;
        }

        var dims = d.Space.Dimensions;
        if (dims.Length != 3)
        {
            throw new EmFileException(path, -1, $"Velox image {g.Name} has {dims.Length} dimensions, expected rows × columns × frames");
        }

        int rows = checked((int)dims[0]), cols = checked((int)dims[1]), frames = checked((int)dims[2]);
        var json = FrameMetadata(g, gate);
        var md = Normalise(json);
        var binary = json?["BinaryResult"] as JsonObject;
        var (y, x) = ScanAxes(binary, rows, cols);
        string u = x.Units;
        md.Title = title ?? Str(binary, "Detector") ?? g.Name;

        var axes = new List<Axis>();
        int[] nav = frames > 1 ? [frames] : [];
        if (frames > 1)
        {
            double dt = Num(json?["Scan"], "FrameTime") ?? ExposureOfDetector(json) ?? 1;
            axes.Add(new Axis("Time", frames, dt, 0, "s", true));
        }

        axes.Add(y);
        axes.Add(x);
        string kind = u.StartsWith("1/", StringComparison.Ordinal) ? SignalTypes.Diffraction : SignalTypes.Image;
        md.SignalType = SignalTypeRules.Infer(kind, nav.Length);
        var original = Original(json, common, g.Name);
        var storage = Hdf5Storage.FramesLast(d, dims, type, gate);
        return new EmDataset(md.Title, new DatasetShape(nav, [rows, cols]), axes, type, storage, md, original);
    }

    private static EmDataset? Spectrum(string path, IH5Group g, Lock gate, MetadataTree common)
    {
        if (Hdf5.NumericData(path, g, "Data") is not var (d, type))
        {
            return null;
        }

        var dims = d.Space.Dimensions;
        if (dims.Length != 2)
        {
            return null;
        }

        // Stored channels × spectra; presented spectra × channels.
        int channels = checked((int)dims[0]), count = checked((int)dims[1]);
        var json = FrameMetadata(g, gate);
        var md = Normalise(json);
        md.Technique = "EDS";
        double dispersion = 1, offset = 0;
        string units = string.Empty;
        if (json?["Detectors"] is JsonObject dets)
        {
            foreach (var (_, det) in dets)
            {
                if (Num(det, "Dispersion") is { } disp)
                {
                    dispersion = disp / 1000.0;
                    offset = (Num(det, "OffsetEnergy") ?? 0) / 1000.0;
                    units = "keV";
                    break;
                }
            }
        }

        var raw = Hdf5.ReadAll(d);
        var storage = new PermutedStorage(new MemoryStorage(raw), [channels, count], [1, 0], type.Size());
        int[] nav = count > 1 ? [count] : [];
        var axes = new List<Axis>();
        if (count > 1)
        {
            axes.Add(new Axis("Stack", count, 1, 0, string.Empty, true));
        }

        axes.Add(new Axis("Energy", channels, dispersion, offset, units));
        md.SignalType = SignalTypeRules.Infer(SignalTypes.Spectrum, nav.Length);
        md.Title = "EDS";
        return new EmDataset(md.Title, new DatasetShape(nav, [channels]), axes, type, storage, md, Original(json, common, g.Name));
    }

    /// <summary>
    /// The y and x axes of a scan from a Velox <c>BinaryResult</c> (<c>PixelSize</c>, <c>Offset</c>, <c>PixelUnitX</c>,
    /// metres shown in nm, pm or µm); pixel axes when it gives no pixel size.
    /// </summary>
    internal static (Axis Y, Axis X) ScanAxes(JsonObject? binary, int rows, int cols)
    {
        string units = Str(binary, "PixelUnitX") ?? string.Empty;
        double sx = Num(binary?["PixelSize"], "width") ?? 1, sy = Num(binary?["PixelSize"], "height") ?? sx;
        double ox = Num(binary?["Offset"], "x") ?? 0, oy = Num(binary?["Offset"], "y") ?? 0;
        (sx, ox, var u) = Presentable(sx, ox, units);
        (sy, oy, _) = Presentable(sy, oy, units);
        return (new Axis("y", rows, sy, oy, u), new Axis("x", cols, sx, ox, u));
    }

    /// <summary>Whether a Velox <c>BinaryResult</c> states a pixel size.</summary>
    internal static bool HasPixelSize(JsonObject? binary) => Num(binary?["PixelSize"], "width") is not null;

    private static double? ExposureOfDetector(JsonObject? json)
    {
        var index = Str(json?["BinaryResult"] as JsonObject, "DetectorIndex");
        return index is null ? null : Num(json?["Detectors"]?[$"Detector-{index}"], "ExposureTime");
    }

    /// <summary>Metres (or 1/m) to a unit a microscopist reads: nm, pm, µm; 1/nm, 1/µm.</summary>
    private static (double Scale, double Offset, string Units) Presentable(double scale, double offset, string units)
    {
        if (units == "m")
        {
            double a = Math.Abs(scale);
            var (f, u) = a < 1e-10 ? (1e12, "pm") : a < 1e-6 ? (1e9, "nm") : (1e6, "µm");
            return (scale * f, offset * f, u);
        }

        if (units is "1/m" or "m^-1")
        {
            double a = Math.Abs(scale);
            var (f, u) = a > 1e8 ? (1e-9, "1/nm") : (1e-6, "1/µm");
            return (scale * f, offset * f, u);
        }

        return (scale, offset, units);
    }

    internal static Metadata Normalise(JsonObject? j)
    {
        var md = new Metadata();
        if (j is null)
        {
            return md;
        }

        if (Num(j["Optics"], "AccelerationVoltage") is > 0 and var v)
        {
            md.BeamEnergyKeV = v / 1000.0;
        }

        md.CameraLengthMm = Num(j["Optics"], "CameraLength") is > 0 and var cl ? cl * 1000.0 : null;
        md.ConvergenceAngleMrad = Num(j["Optics"], "BeamConvergence") is > 0 and var ca ? ca * 1000.0 : null;
        md.Magnification = Num(j["CustomProperties"]?["StemMagnification"], "value") ?? (Num(j["Optics"], "NominalMagnification") is > 0 and var nm ? nm : null);
        md.ExposureS = Num(j["Scan"], "DwellTime") ?? ExposureOfDetector(j);
        md.Instrument = Str(j["Instrument"] as JsonObject, "InstrumentModel") ?? Str(j["Instrument"] as JsonObject, "InstrumentClass");
        md.Detector = Str(j["BinaryResult"] as JsonObject, "Detector");
        if (Num(j["Acquisition"]?["AcquisitionStartDatetime"], "DateTime") is > 0 and var unix)
        {
            md.Acquired = DateTime.UnixEpoch.AddSeconds(unix).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        }

        return md;
    }

    internal static MetadataTree Original(JsonObject? json, MetadataTree common, string id)
    {
        var t = json is null ? new MetadataTree() : MetadataJson.ReadTree(json);
        t["velox_id"] = id;
        foreach (var (k, v) in common.Items)
        {
            t[k] = v;
        }

        return t;
    }

    private static string? Str(JsonObject? o, string key) => o?[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    internal static double? Num(JsonNode? o, string key)
    {
        var v = (o as JsonObject)?[key];
        if (v is JsonValue jv)
        {
            if (jv.TryGetValue<double>(out var d))
            {
                return d;
            }

            if (jv.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d))
            {
                return d;
            }
        }

        return null;
    }
}
