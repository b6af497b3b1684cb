using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Data;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// Velox STEM-EELS spectrum images (<c>/Data/EelsSpectrumImage/&lt;id&gt;</c>, one per spectrometer range, two for dual
/// EELS). <c>Data</c> is stored columns × channels × rows (one scan line per chunk) and presented rows × columns |
/// channels, as RosettaSciIO presents it (its transpose (2, 0, 1)); a line scan is stored columns × channels. The
/// energy axis (eV) is <c>Data.offset</c> and <c>Data.dispersion</c> of <c>AcquisitionMetadata</c>, one JSON document
/// per scan line (column); <c>Info</c> (<c>bincount</c>, <c>width</c>, <c>height</c>) must agree with the array. The
/// scan is calibrated from the <c>BinaryResult</c> of <c>/Data/SpectrumImage</c> (as RosettaSciIO does), else from an
/// image of the same raster in the file, else from the cube's own metadata; pixels otherwise.
/// </summary>
internal static class VeloxEelsSpectrumImage
{
    /// <summary>Largest <c>AcquisitionMetadata</c> read (bytes): a document per scan line.</summary>
    private const long MaxLineMetadataBytes = 64L << 20;

    public static EmDataset? Read(string path, IH5Group g, IH5Group data, IReadOnlyList<EmDataset> images, Lock gate, MetadataTree common)
    {
        if (Hdf5.NumericData(path, g, "Data") is not var (d, type))
        {
            return null;
        }

        var dims = d.Space.Dimensions;
        if (dims.Length is not (2 or 3))
        {
            throw new EmFileException(path, -1, $"Velox EELS spectrum image {g.Name} has {dims.Length} dimensions, expected columns × channels (× rows)");
        }

        int cols = checked((int)dims[0]), bins = checked((int)dims[1]), rows = dims.Length == 3 ? checked((int)dims[2]) : 1;
        CheckInfo(path, g, cols, bins, rows, gate);
        var json = VeloxReader.FrameMetadata(g, gate);
        var md = VeloxReader.Normalise(json);
        md.Technique = "EELS";
        md.Title = "EELS";
        var original = VeloxReader.Original(json, common, g.Name);

        var lines = LineMetadata(path, g, gate);
        var first = lines.Count > 0 ? lines[0]["Data"] : null;
        double offset = VeloxReader.Num(first, "offset") ?? 0, dispersion = VeloxReader.Num(first, "dispersion") ?? 1;
        string energyUnits = first is null ? string.Empty : "eV";
        bool varies = lines.Any(l => VeloxReader.Num(l["Data"], "offset") != offset || VeloxReader.Num(l["Data"], "dispersion") != dispersion);
        if (varies)
        {
            // The first line's calibration is used, as RosettaSciIO does; recorded so that it is not silent.
            original["eels_energy_calibration_varies_by_line"] = true;
        }

        if (VeloxReader.Num(first, "exposureTime") is > 0 and var exposure)
        {
            md.ExposureS = exposure;
        }

        foreach (var key in new[] { "intensityScale", "intensityOffset", "detectorFramesAveraged" })
        {
            if (VeloxReader.Num(first, key) is { } v)
            {
                original[$"eels_{key}"] = v;
            }
        }

        var (y, x) = ScanAxes(data, images, json, rows, cols, gate);
        var energy = new Axis("Energy loss", bins, dispersion, offset, energyUnits);
        if (dims.Length == 2)
        {
            md.SignalType = SignalTypeRules.Infer(SignalTypes.Spectrum, 1);
            return new EmDataset("EELS", new DatasetShape([cols], [bins]), [x with { Navigate = true }, energy], type, Hdf5Storage.Stored(d, dims, type, gate), md, original);
        }

        md.SignalType = SignalTypeRules.Infer(SignalTypes.Spectrum, 2);
        var storage = Hdf5Storage.FramesLast(d, dims, type, gate);
        return new EmDataset("EELS", new DatasetShape([rows, cols], [bins]), [y with { Navigate = true }, x with { Navigate = true }, energy], type, storage, md, original);
    }

    /// <summary><c>Info</c>, where present, states the array's layout: a disagreement means a layout not read here.</summary>
    private static void CheckInfo(string path, IH5Group g, int cols, int bins, int rows, Lock gate)
    {
        if (!g.LinkExists("Info") || g.Get("Info") is not IH5Dataset info)
        {
            return;
        }

        string? text;
        lock (gate)
        {
            text = VeloxReader.TextOf(info);
        }

        JsonObject? o;
        try
        {
            o = text is null ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return;
        }

        double? width = VeloxReader.Num(o, "width"), height = VeloxReader.Num(o, "height"), count = VeloxReader.Num(o, "bincount");
        if ((width is { } w && w != cols) || (count is { } c && c != bins) || (height is { } h && h != rows))
        {
            throw new EmFileException(path, -1, $"Velox EELS spectrum image {g.Name}: Data is {cols} × {bins} × {rows} (columns × channels × rows) but Info gives width {width}, bincount {count}, height {height}");
        }
    }

    /// <summary>The per-scan-line documents of <c>AcquisitionMetadata</c> (bytes × lines, NUL-padded JSON).</summary>
    private static List<JsonObject> LineMetadata(string path, IH5Group g, Lock gate)
    {
        var found = new List<JsonObject>();
        if (!g.LinkExists("AcquisitionMetadata") || g.Get("AcquisitionMetadata") is not IH5Dataset m)
        {
            return found;
        }

        var dims = m.Space.Dimensions;
        if (dims.Length != 2 || m.Type.Size != 1 || dims[0] * dims[1] > MaxLineMetadataBytes)
        {
            return found;
        }

        byte[] raw;
        lock (gate)
        {
            raw = Hdf5.ReadAll(m);
        }

        int length = (int)dims[0], count = (int)dims[1];
        var column = new byte[length];
        for (int line = 0; line < count; line++)
        {
            for (int i = 0; i < length; i++)
            {
                column[i] = raw[(i * count) + line];
            }

            int end = Array.IndexOf(column, (byte)0);
            try
            {
                if (JsonNode.Parse(Encoding.UTF8.GetString(column, 0, end < 0 ? length : end)) is JsonObject o)
                {
                    found.Add(o);
                }
            }
            catch (JsonException e)
            {
                throw new EmFileException(path, -1, $"Velox EELS spectrum image {g.Name}: scan line {line}'s AcquisitionMetadata is not JSON ({e.Message})");
            }
        }

        return found;
    }

    private static (Axis Y, Axis X) ScanAxes(IH5Group data, IReadOnlyList<EmDataset> images, JsonObject? own, int rows, int cols, Lock gate)
    {
        if (data.LinkExists("SpectrumImage"))
        {
            foreach (var si in data.Group("SpectrumImage").Children().OfType<IH5Group>().OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                var binary = VeloxReader.FrameMetadata(si, gate)?["BinaryResult"] as JsonObject;
                if (VeloxReader.HasPixelSize(binary))
                {
                    return VeloxReader.ScanAxes(binary, rows, cols);
                }
            }
        }

        if (images.FirstOrDefault(i => i.Shape.Signal.Count == 2 && i.Shape.Signal[0] == rows && i.Shape.Signal[1] == cols && i.Axes[^1].Units.Length > 0 && !i.Axes[^1].Units.StartsWith("1/", StringComparison.Ordinal)) is { } image)
        {
            return (image.Axes[^2], image.Axes[^1]);
        }

        return VeloxReader.ScanAxes(own?["BinaryResult"] as JsonObject, rows, cols);
    }
}
