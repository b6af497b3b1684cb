using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using BitMiracle.LibTiff.Classic;
using Condenser.Data;

namespace Condenser.Formats.Tiff;

/// <summary>
/// Writes one dataset as a TIFF that ImageJ/Fiji, HyperSpy and tifffile read with its calibration: one page per frame;
/// the pixel size as X/YResolution with its unit in an ImageJ description (single images with a positive calibration);
/// scale, origin and units of x, y and the stack axis in the DigitalMicrograph tags (65003–65011) that HyperSpy and
/// Gatan's software read. Condenser's shape, axes and metadata travel in a <c>condenser=</c> line of the description,
/// so reading the file back restores them.
/// </summary>
/// <remarks>
/// A stack carries no ImageJ header: ImageJ and tifffile read an ImageJ stack as one contiguous block after the first
/// page, and LibTiff stores each page's directory between the pages' data, so such a stack read back as garbage from
/// its second page on. Without the header every reader takes the pages one by one.
/// </remarks>
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
        string description = Description(ds, pages, x, Resolvable(x, y));
        var tmp = path + ".partial";
        DigitalMicrographTags.Register();
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

                if (Resolvable(x, y))
                {
                    tif.SetField(TiffTag.XRESOLUTION, 1.0 / x.Scale);
                    tif.SetField(TiffTag.YRESOLUTION, 1.0 / y.Scale);
                    tif.SetField(TiffTag.RESOLUTIONUNIT, ResUnit.NONE);
                }

                if (p == 0)
                {
                    tif.SetField(TiffTag.IMAGEDESCRIPTION, description);
                    tif.SetField(TiffTag.SOFTWARE, options?.Software ?? "Condenser");
                    DigitalMicrographTags.Write(tif, x, y, ds.Shape.Navigation.Count == 1 ? ds.Axes[0] : null);
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

    /// <summary>Whether X/YResolution can hold the calibration: a unit and positive, finite pixel sizes.</summary>
    private static bool Resolvable(Axis x, Axis y)
        => x.Units.Length > 0 && x.Scale > 0 && y.Scale > 0 && double.IsFinite(1 / x.Scale) && double.IsFinite(1 / y.Scale);

    private static string Description(EmDataset ds, long pages, Axis x, bool resolution)
    {
        var sb = new StringBuilder();
        if (pages == 1)
        {
            sb.Append("ImageJ=1.11a\n");
            if (resolution)
            {
                // ImageJ (and HyperSpy, which then reads X/YResolution) takes the unit only beside a resolution.
                sb.Append("unit=").Append(x.Units == "µm" ? "micron" : x.Units).Append('\n');
            }

            sb.Append("loop=false\n");
        }

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
