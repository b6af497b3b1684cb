using System.Globalization;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.Mib;

/// <summary>
/// Quantum Detectors Merlin MIB: frames of 1/6/12/24-bit counters, each after its own ASCII header,
/// single chip or quad, with or without the acquisition's .hdr file beside it.
/// </summary>
public sealed class MibFormat : IEmFormat
{
    /// <summary>How many frame headers are read to find the scan width from time stamps.</summary>
    public const int TimestampFrames = 10000;

    /// <inheritdoc/>
    public string Name => "mib";

    /// <inheritdoc/>
    public string Description => "Quantum Detectors Merlin MIB (+ .hdr)";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".mib"];

    /// <inheritdoc/>
    public bool TryDetect(ReadOnlySpan<byte> header) => header.StartsWith("MQ1,"u8);

    /// <inheritdoc/>
    public IReadOnlyList<string> Companions(string path) => File.Exists(Path.ChangeExtension(path, ".hdr")) ? [Path.ChangeExtension(path, ".hdr")] : [];

    /// <inheritdoc/>
    public EmFile Open(string path, OpenOptions? options = null)
    {
        var file = new MappedFile(path);
        try
        {
            return OpenMapped(path, file, options);
        }
        finally
        {
            file.Dispose();
        }
    }

    private static EmFile OpenMapped(string path, MappedFile file, OpenOptions? options)
    {
        var head = MibHeader.Parse(path, 0, file.Span(0, (int)Math.Min(file.Length, 1024)));
        if (head.PixelType == "R64")
        {
            throw new EmFileException(path, 6 * 4, "raw (R64) Merlin frames are not supported: save counters as U08/U16/U32 or convert with the Merlin software");
        }

        int pixelBytes = head.PixelBytes;
        if (pixelBytes == 0)
        {
            throw new EmFileException(path, 0, $"unknown Merlin pixel type '{head.PixelType}'");
        }

        long frameBytes = (long)head.Rows * head.Columns * pixelBytes;
        long stride = head.HeaderBytes + frameBytes;
        long frames = file.Length / stride;
        if (frames == 0)
        {
            throw new EmFileException(path, head.HeaderBytes, $"the file ({file.Length} bytes) is shorter than one frame of {stride} bytes");
        }

        var hdr = ReadHdr(path);
        int[] nav = NavigationShape(path, file, head, frames, stride, hdr, options);
        long used = nav.Aggregate(1L, (a, b) => a * b);
        int rows = head.Rows, cols = head.Columns;
        int rowBytes = cols * pixelBytes;

        // Rows are flipped top to bottom, as RosettaSciIO and HyperSpy present Merlin frames; big-endian counters are
        // swapped in the same pass.
        FramedFileStorage.FrameDecoder flip = (stored, frame) =>
        {
            // One vectorised pass from the mapping, then the rows reversed in place while the frame is in cache.
            ByteOrder.CopySwapped(stored, frame, pixelBytes);
            ReverseRows(frame, rows, rowBytes);
        };
        var storage = new FramedFileStorage(file, used, checked((int)frameBytes), i => (i * stride) + head.HeaderBytes, pixelBytes, flip, (int)frameBytes);

        var dtype = pixelBytes switch { 1 => DType.UInt8, 2 => DType.UInt16, 4 => DType.UInt32, _ => DType.UInt64 };
        var names = nav.Length == 2 ? new[] { "y", "x" } : nav.Select((_, i) => i == 0 ? "frame" : $"n{i}").ToArray();
        var axes = nav.Select((n, i) => Axis.Plain(names[i], n, true)).Concat([Axis.Plain("qy", rows, false), Axis.Plain("qx", cols, false)]).ToArray();

        var original = new MetadataTree();
        var fh = original.Child("frame_header");
        string[] fieldNames = ["id", "sequence", "header_bytes", "chips", "width", "height", "pixel_type", "layout", "chip_select", "time", "shutter_s", "counter", "colour_mode", "gain_mode"];
        for (int i = 0; i < head.Fields.Length; i++)
        {
            var v = head.Fields[i].Trim();
            if (v.Length > 0)
            {
                fh.Add(i < fieldNames.Length ? fieldNames[i] : $"field_{i}", v);
            }
        }

        original["frames_in_file"] = frames;
        if (hdr is not null)
        {
            original["hdr_file"] = hdr;
        }

        var md = new Metadata
        {
            SignalType = SignalTypeRules.Infer(SignalTypes.Diffraction, nav.Length),
            ExposureS = head.ExposureS,
            Acquired = head.TimestampUtc ?? LocalTime(head.LocalTime),
            Detector = "Quantum Detectors Merlin" + (hdr?.GetString("Chip Type (Medipix 3.0, Medipix 3.1, Medipix 3RX)") is { } chip ? $" ({chip.Trim()})" : string.Empty),
        };

        var shape = new DatasetShape(nav, [rows, cols]);
        var ds = new EmDataset(Path.GetFileNameWithoutExtension(path), shape, axes, dtype, storage, md, original);
        return new EmFile(path, "mib", [ds]);
    }

    /// <summary>Reverses the order of the rows of a frame in place.</summary>
    internal static void ReverseRows(Span<byte> frame, int rows, int rowBytes)
    {
        Span<byte> temp = rowBytes <= 4096 ? stackalloc byte[rowBytes] : new byte[rowBytes];
        for (int top = 0, bottom = rows - 1; top < bottom; top++, bottom--)
        {
            var a = frame.Slice(top * rowBytes, rowBytes);
            var b = frame.Slice(bottom * rowBytes, rowBytes);
            a.CopyTo(temp);
            b.CopyTo(a);
            temp.CopyTo(b);
        }
    }

    private static string? LocalTime(string text)
        => DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture) : null;

    /// <summary>Reads the acquisition's .hdr file ("Key (unit):\tvalue" lines) if it lies beside the .mib.</summary>
    internal static MetadataTree? ReadHdr(string path)
    {
        var hdrPath = Path.ChangeExtension(path, ".hdr");
        if (!File.Exists(hdrPath) || new FileInfo(hdrPath).Length > 1 << 20)
        {
            return null;
        }

        var tree = new MetadataTree();
        foreach (var line in File.ReadLines(hdrPath))
        {
            if (line.StartsWith("HDR", StringComparison.Ordinal) || line.StartsWith("End\t", StringComparison.Ordinal))
            {
                continue;
            }

            int tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                continue;
            }

            tree.Add(line[..tab].TrimEnd(':'), line[(tab + 1)..]);
        }

        return tree;
    }

    private static int[] NavigationShape(string path, MappedFile file, MibHeader head, long frames, long stride, MetadataTree? hdr, OpenOptions? options)
    {
        if (options?.NavigationShape is { } given)
        {
            long n = given.Aggregate(1L, (a, b) => a * b);
            if (given.Any(g => g <= 0) || n > frames)
            {
                throw new EmFileException(path, -1, $"the scan shape {string.Join("×", given)} needs {n} frames but the file holds {frames}");
            }

            return given;
        }

        long total = frames;
        long perLine = 1;
        if (hdr is not null
            && long.TryParse(hdr.GetString("Frames per Trigger (Number)"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fpt)
            && long.TryParse(hdr.GetString("Frames in Acquisition (Number)"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var fia))
        {
            if (fia > 0)
            {
                total = Math.Min(fia, frames);
            }

            perLine = Math.Max(1, fpt);
        }

        if (perLine == 1)
        {
            perLine = ScanWidthFromTimestamps(file, head, frames, stride);
        }

        long lines = total / perLine;
        if (lines == 0)
        {
            // Interrupted before the first line completed: keep the frames as a stack.
            return [(int)total];
        }

        // Dimensions of size 1 are dropped, as the reference reader does.
        return new long[] { lines, perLine }.Where(v => v > 1).Select(v => checked((int)v)).ToArray();
    }

    /// <summary>
    /// The scan width from the time stamps of the frames: the first gap longer than the mean gap ends a scan line
    /// (the fly-back), as RosettaSciIO finds it.
    /// </summary>
    private static long ScanWidthFromTimestamps(MappedFile file, MibHeader head, long frames, long stride)
    {
        int n = (int)Math.Min(frames, TimestampFrames);
        if (n < 3)
        {
            return 1;
        }

        var times = new long[n];
        for (int i = 0; i < n; i++)
        {
            var t = MibHeader.Nanoseconds(file.Span(i * stride, head.HeaderBytes));
            if (t is null)
            {
                return 1;
            }

            times[i] = t.Value;
        }

        double mean = 0;
        for (int i = 1; i < n; i++)
        {
            mean += times[i] - times[i - 1];
        }

        mean /= n - 1;
        for (int i = 1; i < n; i++)
        {
            if (times[i] - times[i - 1] - mean > 0)
            {
                return i;
            }
        }

        return 1;
    }
}
