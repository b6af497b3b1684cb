using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Data.Storage;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// Velox EDS spectrum images, stored as event streams (<c>/Data/SpectrumStream/&lt;id&gt;/Data</c>): each value is the
/// energy channel of one counted X-ray at the current scan position, and 65535 moves to the next position (row by
/// row, frame after frame). Frames and detectors are summed into one y × x | energy cube of uint32 counts; the scan
/// shape comes from the image acquired with it, the channel count from <c>AcquisitionSettings</c>.
/// </summary>
internal static class VeloxSpectrumStream
{
    /// <summary>The marker that ends a scan position.</summary>
    public const int NextPixel = 65535;

    /// <summary>Largest cube built in memory.</summary>
    public const long MaxCubeBytes = int.MaxValue - 64;

    public static EmDataset Read(string path, List<IH5Group> streams, EmDataset scan, Lock gate, MetadataTree common)
    {
        int rows = scan.Shape.Signal[0], cols = scan.Shape.Signal[1];
        long pixels = (long)rows * cols;
        JsonObject? settings = null;
        int bins = 0;
        foreach (var g in streams)
        {
            if (g.LinkExists("AcquisitionSettings") && g.Get("AcquisitionSettings") is IH5Dataset a && VeloxReader.TextOf(a) is { } text)
            {
                try
                {
                    settings = JsonNode.Parse(text) as JsonObject;
                }
                catch (JsonException)
                {
                    settings = null;
                }

                bins = Math.Max(bins, (int)(VeloxReader.Num(settings, "bincount") ?? 0));
            }
        }

        if (bins is <= 0 or >= NextPixel)
        {
            throw new EmFileException(path, -1, $"the spectrum stream's AcquisitionSettings give {bins} energy channels");
        }

        long cubeBytes = pixels * bins * 4;
        if (cubeBytes > MaxCubeBytes)
        {
            throw new EmFileException(path, -1, $"the {rows}×{cols}×{bins} spectrum image needs {cubeBytes >> 20} MiB, more than the {MaxCubeBytes >> 20} MiB Condenser builds in memory");
        }

        var cube = new uint[pixels * bins];
        long markers = 0;
        foreach (var g in streams)
        {
            if (Hdf5.NumericData(path, g, "Data") is not var (d, type) || type is not (DType.UInt16 or DType.UInt32))
            {
                continue;
            }

            byte[] raw;
            lock (gate)
            {
                raw = Hdf5.ReadAll(d);
            }

            markers = Math.Max(markers, Accumulate(raw, type, cube, pixels, bins));
        }

        // Energy calibration from the detector that recorded the stream.
        var json = VeloxReader.FrameMetadata(streams[0], gate);
        double dispersion = 1, offset = 0;
        string units = string.Empty;
        if (json?["Detectors"] is JsonObject dets)
        {
            foreach (var (_, det) in dets)
            {
                if (VeloxReader.Num(det, "Dispersion") is { } disp)
                {
                    dispersion = disp / 1000.0;
                    offset = (VeloxReader.Num(det, "OffsetEnergy") ?? 0) / 1000.0;
                    units = "keV";
                    break;
                }
            }
        }

        var md = json is null ? scan.Metadata.Clone() : VeloxReader.Normalise(json);
        md.Technique = "EDS";
        md.Title = "EDS";
        md.SignalType = SignalTypes.SpectrumImage;
        var original = VeloxReader.Original(json, common, streams[0].Name);
        original["frames"] = (long)Math.Ceiling(markers / (double)pixels);
        original["energy_channels"] = (long)bins;
        var y = scan.Axes[^2] with { Navigate = true };
        var x = scan.Axes[^1] with { Navigate = true };
        var bytes = new byte[cube.LongLength * 4];
        Buffer.BlockCopy(cube, 0, bytes, 0, bytes.Length);
        return new EmDataset("EDS", new DatasetShape([rows, cols], [bins]), [y, x, new Axis("X-ray energy", bins, dispersion, offset, units)], DType.UInt32, new MemoryStorage(bytes), md, original);
    }

    /// <summary>Adds one stream to the cube; returns the number of position markers (to count frames).</summary>
    internal static long Accumulate(ReadOnlySpan<byte> raw, DType type, Span<uint> cube, long pixels, int bins)
    {
        long pixel = 0, markers = 0;
        int n = raw.Length / type.Size();
        for (int i = 0; i < n; i++)
        {
            uint v = type == DType.UInt16 ? BitConverter.ToUInt16(raw.Slice(i * 2, 2)) : BitConverter.ToUInt32(raw.Slice(i * 4, 4));
            if (v == NextPixel)
            {
                markers++;
                pixel = markers % pixels;
            }
            else if (v < bins)
            {
                cube[(int)((pixel * bins) + v)]++;
            }
        }

        return markers;
    }
}
