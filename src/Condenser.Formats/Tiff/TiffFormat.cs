using BitMiracle.LibTiff.Classic;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.Tiff;

/// <summary>
/// TIFF (classic and BigTIFF; any compression LibTiff decodes) with the calibrations and metadata of FEI/Thermo,
/// Zeiss SEM, Gatan, ImageJ, Hamamatsu, JEOL, Olympus/Zeiss AxioVision and TVIPS. Pages of one geometry form a stack.
/// </summary>
public sealed class TiffFormat : IEmFormat
{
    /// <summary>Largest decoded page accepted, in bytes.</summary>
    public const long MaxPageBytes = int.MaxValue;

    /// <inheritdoc/>
    public string Name => "tiff";

    /// <inheritdoc/>
    public string Description => "TIFF / BigTIFF (FEI, Zeiss, Gatan, ImageJ, Hamamatsu, JEOL, Olympus, TVIPS calibrations)";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".tif", ".tiff"];

    /// <inheritdoc/>
    public bool TryDetect(ReadOnlySpan<byte> header) => header.Length >= 4
        && ((header[0] == 'I' && header[1] == 'I' && (header[2] == 42 || header[2] == 43) && header[3] == 0)
            || (header[0] == 'M' && header[1] == 'M' && header[2] == 0 && (header[3] == 42 || header[3] == 43)));

    /// <inheritdoc/>
    public EmFile Open(string path, OpenOptions? options = null)
    {
        using var mapped = new MappedFile(path);
        var ifds = TiffIfd.ReadAll(mapped, out bool bigEndian);
        if (ifds.Count == 0)
        {
            throw new EmFileException(path, 4, "the TIFF has no image directory");
        }

        var pages = ifds.Select((d, i) => TiffPage.From(path, d, i)).ToList();
        var datasets = new List<EmDataset>();
        var handle = new SharedTiff(path);
        try
        {
            int start = 0;
            while (start < pages.Count)
            {
                int end = start + 1;
                while (end < pages.Count && pages[end].SameGeometry(pages[start]))
                {
                    end++;
                }

                datasets.Add(Build(path, mapped, pages, start, end - start, handle));
                start = end;
            }
        }
        catch
        {
            foreach (var d in datasets)
            {
                d.Dispose();
            }

            handle.Dispose();
            throw;
        }

        return new EmFile(path, Name, datasets, handle);
    }

    private static (DatasetShape Shape, List<Axis> Axes)? Restore(System.Text.Json.Nodes.JsonObject c, int frames, TiffPage p)
    {
        try
        {
            var shape = c["shape"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            int nav = c["navigation_dims"]!.GetValue<int>();
            var axes = MetadataJson.ReadAxes(c["axes"]!.AsArray());
            long elements = shape.Aggregate(1L, (a, b) => a * b);
            if (nav < 0 || nav > shape.Length || axes.Count != shape.Length || elements != (long)frames * p.Width * p.Height * p.Channels)
            {
                return null;
            }

            return (new DatasetShape(shape[..nav], shape[nav..]), axes);
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or ArgumentException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static EmDataset Build(string path, MappedFile mapped, List<TiffPage> pages, int first, int count, SharedTiff handle)
    {
        var p = pages[first];
        var ifd = p.Ifd;
        var cal = TiffCalibration.Read(path, mapped, ifd, p);
        int frames = count;

        // ImageJ writes long stacks as one directory followed by the remaining frames back to back.
        bool contiguous = false;
        if (count == 1 && cal.ImageJImages > 1 && p.Compression == 1 && p.Strips.Length > 0)
        {
            long needed = cal.ImageJImages * p.Bytes;
            long start = p.Strips[0];
            if (start + needed <= mapped.Length && p.IsSingleContiguousBlock)
            {
                frames = cal.ImageJImages;
                contiguous = true;
            }
        }

        ArrayStorage storage;
        if (contiguous)
        {
            storage = new FileRegionStorage(mapped, p.Strips[0], frames * p.Bytes, p.DType.Size() > 1 && ifd.BigEndian ? p.DType.SwapUnit() : 1);
        }
        else
        {
            storage = new DecodedFrameStorage(frames, p.Bytes, (i, dst) => handle.ReadPage((short)(first + i), p, dst), null);
        }

        var nav = frames > 1 ? new[] { frames } : [];
        var sig = new List<int> { p.Height, p.Width };
        var axes = new List<Axis>();
        if (frames > 1)
        {
            axes.Add(new Axis(cal.StackName, frames, cal.ZScale, cal.ZOffset, cal.ZUnits, true));
        }

        axes.Add(new Axis("y", p.Height, cal.YScale, cal.YOffset, cal.YUnits ?? cal.Units));
        axes.Add(new Axis("x", p.Width, cal.XScale, cal.XOffset, cal.Units));
        if (p.Channels > 1)
        {
            sig.Add(p.Channels);
            axes.Add(new Axis("channel", p.Channels, 1, 0, string.Empty));
        }

        var md = cal.Metadata;
        if (cal.Condenser is { } c && Restore(c, frames, p) is { } restored)
        {
            // Written by Condenser: the full shape, axes and metadata come back as they were.
            var rmd = c["metadata"] is System.Text.Json.Nodes.JsonObject m ? MetadataJson.ReadNormalised(m) : md;
            var name0 = rmd.Title ?? Path.GetFileNameWithoutExtension(path);
            var type = c["dtype"]?.GetValue<string>() is { } written && DTypeInfo.TryParse(written, out var w) && w.Size() == p.DType.Size() ? w : p.DType;
            return new EmDataset(name0, restored.Shape, restored.Axes, type, storage, rmd, cal.Original);
        }

        md.SignalType ??= SignalTypeRules.Infer(SignalTypes.Image, nav.Length);
        var name = md.Title ?? Path.GetFileNameWithoutExtension(path) + (first > 0 ? $" page {first}" : string.Empty);
        return new EmDataset(name, new DatasetShape(nav, sig), axes, p.DType, storage, md, cal.Original);
    }
}


/// <summary>One LibTiff handle shared by the datasets of a file; pages are decoded under a lock.</summary>
internal sealed class SharedTiff : IDisposable
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private BitMiracle.LibTiff.Classic.Tiff? _tiff;

    static SharedTiff() => BitMiracle.LibTiff.Classic.Tiff.SetErrorHandler(new QuietErrors());

    public SharedTiff(string path) => _path = path;

    public void ReadPage(short directory, TiffPage page, Span<byte> destination)
    {
        lock (_gate)
        {
            try
            {
                _tiff ??= BitMiracle.LibTiff.Classic.Tiff.Open(_path, "r") ?? throw new EmFileException(_path, -1, "LibTiff cannot open the file");
                if (!_tiff.SetDirectory(directory))
                {
                    throw new EmFileException(_path, page.Ifd.Offset, $"page {directory} cannot be selected");
                }

                page.Decode(_tiff, destination);
            }
            catch (EmFileException)
            {
                throw;
            }
            catch (Exception e)
            {
                // Includes OutOfMemoryException: LibTiff raises it for absurd sizes in damaged directories.
                throw new EmFileException(_path, page.Ifd.Offset, $"page {directory} cannot be decoded: {LibraryFailure.Describe(e)}", e);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _tiff?.Dispose();
            _tiff = null;
        }
    }

    private sealed class QuietErrors : TiffErrorHandler
    {
        public override void ErrorHandler(BitMiracle.LibTiff.Classic.Tiff tif, string method, string format, params object[] args)
        {
        }

        public override void WarningHandler(BitMiracle.LibTiff.Classic.Tiff tif, string method, string format, params object[] args)
        {
        }
    }
}
