using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using BitMiracle.LibTiff.Classic;
using Condenser.Data;

namespace Condenser.Formats.Tiff;

/// <summary>
/// Writes one dataset as a TIFF that ImageJ/Fiji, HyperSpy and tifffile read with its calibration: one page per frame,
/// the pixel size as X/YResolution with the unit and stack spacing in the ImageJ description. Condenser's shape,
/// axes and metadata travel in a <c>condenser=</c> line of that description, so reading the file back restores them.
/// </summary>
public sealed class TiffWriter : IEmWriter
{
    /// <inheritdoc/>
    public string Name => "tiff";

    /// <inheritdoc/>
    public void Write(string path, IReadOnlyList<EmDataset> datasets, WriteOptions? options = null)
    {
        if (datasets.Count != 1)
        {
            throw new ArgumentException($"a TIFF holds one dataset; {datasets.Count} given (choose one with --dataset)");
        }

        var ds = datasets[0];
        bool rgb = ds.DType is DType.Rgb8 or DType.Rgba8;
        var sig = ds.Shape.Signal;
        int sigRank = sig.Count - (rgb ? 1 : 0);
        if (ds.DType.IsComplex())
        {
            throw new NotSupportedException("TIFF readers do not take complex values: convert to EMD (.emd) instead");
        }

        if (sigRank > 2 || (sigRank == 0))
        {
            throw new NotSupportedException($"TIFF pages are 1-d or 2-d; this dataset's signal has {sigRank} dimensions");
        }

        int height = sigRank == 2 ? sig[0] : 1, width = sig[sigRank - 1];
        int channels = rgb ? sig[^1] : 1;
        long pages = ds.FrameCount;
        var (bits, format) = ds.DType switch
        {
            DType.Bool or DType.UInt8 or DType.Rgb8 or DType.Rgba8 => (8, SampleFormat.UINT),
            DType.Int8 => (8, SampleFormat.INT),
            DType.UInt16 => (16, SampleFormat.UINT),
            DType.Int16 => (16, SampleFormat.INT),
            DType.UInt32 => (32, SampleFormat.UINT),
            DType.Int32 => (32, SampleFormat.INT),
            DType.UInt64 => (64, SampleFormat.UINT),
            DType.Int64 => (64, SampleFormat.INT),
            DType.Float32 => (32, SampleFormat.IEEEFP),
            DType.Float64 => (64, SampleFormat.IEEEFP),
            _ => throw new NotSupportedException($"TIFF cannot hold {ds.DType.Name()}"),
        };

        var x = ds.Axes[ds.Shape.Navigation.Count + sigRank - 1];
        var y = sigRank == 2 ? ds.Axes[ds.Shape.Navigation.Count] : x;
        string description = Description(ds, pages, x);
        var tmp = path + ".partial";
        using (var tif = BitMiracle.LibTiff.Classic.Tiff.Open(tmp, pages * ds.FrameBytes > 3_500_000_000 ? "w8" : "w")
            ?? throw new IOException($"{path}: cannot create the TIFF"))
        {
            var frame = new byte[ds.FrameBytes];
            int rowBytes = width * channels * (bits / 8);
            for (long p = 0; p < pages; p++)
            {
                tif.SetField(TiffTag.IMAGEWIDTH, width);
                tif.SetField(TiffTag.IMAGELENGTH, height);
                tif.SetField(TiffTag.BITSPERSAMPLE, bits);
                tif.SetField(TiffTag.SAMPLESPERPIXEL, channels);
                tif.SetField(TiffTag.SAMPLEFORMAT, format);
                tif.SetField(TiffTag.PHOTOMETRIC, channels >= 3 ? Photometric.RGB : Photometric.MINISBLACK);
                if (channels == 4)
                {
                    tif.SetField(TiffTag.EXTRASAMPLES, 1, new short[] { (short)ExtraSample.UNASSALPHA });
                }

                tif.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
                tif.SetField(TiffTag.COMPRESSION, Compression.NONE);
                tif.SetField(TiffTag.ROWSPERSTRIP, height);
                if (pages > 1)
                {
                    tif.SetField(TiffTag.SUBFILETYPE, FileType.PAGE);
                    tif.SetField(TiffTag.PAGENUMBER, (short)Math.Min(p, short.MaxValue), (short)Math.Min(pages, short.MaxValue));
                }

                if (x.Units.Length > 0 && x.Scale > 0 && y.Scale > 0)
                {
                    tif.SetField(TiffTag.XRESOLUTION, 1.0 / x.Scale);
                    tif.SetField(TiffTag.YRESOLUTION, 1.0 / y.Scale);
                    tif.SetField(TiffTag.RESOLUTIONUNIT, ResUnit.NONE);
                }

                if (p == 0)
                {
                    tif.SetField(TiffTag.IMAGEDESCRIPTION, description);
                    tif.SetField(TiffTag.SOFTWARE, options?.Software ?? "Condenser");
                }

                ds.ReadFrame(p, frame);
                for (int r = 0; r < height; r++)
                {
                    if (!tif.WriteScanline(frame, r * rowBytes, r, 0))
                    {
                        throw new IOException($"{path}: writing row {r} of page {p} failed");
                    }
                }

                if (!tif.WriteDirectory())
                {
                    throw new IOException($"{path}: writing page {p} failed");
                }
            }
        }

        File.Move(tmp, path, overwrite: true);
    }

    private static string Description(EmDataset ds, long pages, Axis x)
    {
        var sb = new StringBuilder();
        sb.Append("ImageJ=1.11a\n");
        if (pages > 1)
        {
            sb.Append(CultureInfo.InvariantCulture, $"images={pages}\nslices={pages}\n");
            var z = ds.Axes[ds.Shape.Navigation.Count - 1];
            if (ds.Shape.Navigation.Count == 1 && z.Scale != 1)
            {
                sb.Append(CultureInfo.InvariantCulture, $"spacing={z.Scale:R}\n");
            }
        }

        if (x.Units.Length > 0)
        {
            sb.Append("unit=").Append(x.Units == "µm" ? "micron" : x.Units).Append('\n');
        }

        sb.Append("loop=false\n");
        var meta = new JsonObject
        {
            ["shape"] = new JsonArray(ds.Shape.Dimensions.Select(d => (JsonNode)d).ToArray()),
            ["navigation_dims"] = ds.Shape.Navigation.Count,
            ["dtype"] = ds.DType.Name(),
            ["axes"] = MetadataJson.Axes(ds.Axes),
            ["metadata"] = MetadataJson.Normalised(ds.Metadata),
        };
        sb.Append("condenser=").Append(meta.ToJsonString()).Append('\n');
        return sb.ToString();
    }
}
