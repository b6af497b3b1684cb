using System.Text;
using Condenser.Data;
using Condenser.Data.Storage;
using static Condenser.Formats.BinaryFields;

namespace Condenser.Formats.Tia;

/// <summary>
/// One FEI TIA series file (.ser): a series of spectra or images, each element with its own calibration header, found
/// through an offset table. Old (0x0210, 32-bit offsets) and new (0x0220, 64-bit offsets) versions.
/// </summary>
internal static class SerFile
{
    private const int SpectrumHeader = 26, ImageHeader = 50;

    private sealed record Dimension(int Size, double Offset, double Delta, int Element, string Description, string Units);

    public static bool IsSer(ReadOnlySpan<byte> h) => h.Length >= 6 && h[0] == 0x49 && h[1] == 0x49 && h[2] == 0x97 && h[3] == 0x01;

    public static EmDataset Read(string path, Metadata baseMetadata, MetadataTree? emiTree)
    {
        using var file = new MappedFile(path);
        var h = file.Span(0, (int)Math.Min(file.Length, 30));
        if (!IsSer(h) || h.Length < 30)
        {
            throw new EmFileException(path, 0, "not a TIA series file (byte order 0x4949 and series id 0x0197 expected)");
        }

        int version = U16(h, 4);
        int dataType = I32(h, 6), tagType = I32(h, 10);
        int total = I32(h, 14), valid = I32(h, 18);
        bool wide = version >= 0x220;
        long offsetArray = wide ? I64(file.Span(22, 8), 0) : I32(h, 22);
        int pos = wide ? 30 : 26;
        int nDims = I32(file.Span(pos, 4), 0);
        pos += 4;
        if (dataType is not (0x4120 or 0x4122))
        {
            throw new EmFileException(path, 6, $"TIA data type 0x{dataType:X} is neither spectra (0x4120) nor images (0x4122)");
        }

        if (total < 0 || valid < 0 || valid > total || total > 1 << 28 || nDims < 0 || nDims > 8)
        {
            throw new EmFileException(path, 14, $"series counts are not valid ({valid} of {total} elements, {nDims} dimensions)");
        }

        var dims = new List<Dimension>();
        for (int d = 0; d < nDims; d++)
        {
            var b = file.Span(pos, 28);
            int size = I32(b, 0);
            double off = F64(b, 4), delta = F64(b, 12);
            int element = I32(b, 20), descLength = I32(b, 24);
            pos += 28;
            if (descLength < 0 || descLength > 4096)
            {
                throw new EmFileException(path, pos - 4, $"dimension description length {descLength} is out of range");
            }

            string desc = Encoding.Latin1.GetString(file.Span(pos, descLength));
            pos += descLength;
            int unitsLength = I32(file.Span(pos, 4), 0);
            pos += 4;
            if (unitsLength < 0 || unitsLength > 4096)
            {
                throw new EmFileException(path, pos - 4, $"dimension units length {unitsLength} is out of range");
            }

            string units = Encoding.Latin1.GetString(file.Span(pos, unitsLength));
            pos += unitsLength;
            if (size <= 0)
            {
                throw new EmFileException(path, pos, $"dimension {d} has size {size}");
            }

            dims.Add(new Dimension(size, off, delta, element, desc, units));
        }

        int offSize = wide ? 8 : 4;
        var table = file.Span(offsetArray, checked(total * offSize));
        var offsets = new long[valid];
        for (int i = 0; i < valid; i++)
        {
            offsets[i] = wide ? I64(table, i * 8) : (uint)I32(table, i * 4);
        }

        if (valid == 0)
        {
            throw new EmFileException(path, 18, "the series holds no valid element");
        }

        // The first element's header gives the element shape, type and calibration.
        bool image = dataType == 0x4122;
        var e = file.Span(offsets[0], image ? ImageHeader : SpectrumHeader);
        int typeCode = image ? U16(e, 40) : U16(e, 20);
        var dtype = typeCode switch
        {
            1 => DType.UInt8,
            2 => DType.UInt16,
            3 => DType.UInt32,
            4 => DType.Int8,
            5 => DType.Int16,
            6 => DType.Int32,
            7 => DType.Float32,
            8 => DType.Float64,
            9 => DType.Complex64,
            10 => DType.Complex128,
            _ => throw new EmFileException(path, offsets[0], $"TIA element data type {typeCode} is not known"),
        };

        int[] signal;
        List<Axis> signalAxes;
        if (image)
        {
            int sx = I32(e, 42), sy = I32(e, 46);
            if (sx <= 0 || sy <= 0 || (long)sx * sy > 1L << 30)
            {
                throw new EmFileException(path, offsets[0] + 42, $"image size {sx}×{sy} is not valid");
            }

            signal = [sy, sx];
            var (ux, fx) = Units(F64(e, 8));
            signalAxes =
            [
                new Axis("y", sy, F64(e, 28) * fx, F64(e, 20) * fx, ux),
                new Axis("x", sx, F64(e, 8) * fx, F64(e, 0) * fx, ux),
            ];
        }
        else
        {
            int n = I32(e, 22);
            if (n <= 0 || n > 1 << 28)
            {
                throw new EmFileException(path, offsets[0] + 22, $"spectrum length {n} is not valid");
            }

            signal = [n];
            signalAxes = [new Axis("Energy", n, F64(e, 8), F64(e, 0), "eV")];
        }

        int header = image ? ImageHeader : SpectrumHeader;
        long frameBytes = signal.Aggregate(1L, (a, b) => a * b) * dtype.Size();

        // Series dimensions, slowest first; an interrupted series keeps its valid elements as a stack.
        var navAxes = new List<Axis>();
        int[] nav;
        long product = dims.Aggregate(1L, (a, d) => a * d.Size);
        if (valid == total && product == total)
        {
            nav = dims.Select(d => d.Size).Reverse().ToArray();
            var names = dims.Count == 2 ? new[] { "y", "x" } : dims.Count == 1 ? ["x"] : dims.Select((_, i) => $"n{i}").ToArray();
            int k = 0;
            foreach (var d in Enumerable.Reverse(dims))
            {
                var (u, f) = d.Units == "meters" ? Units(d.Delta) : (d.Units, 1.0);
                navAxes.Add(new Axis(names[k++], d.Size, d.Delta * f, d.Offset * f, u, true));
            }
        }
        else
        {
            nav = [valid];
            navAxes.Add(new Axis("frame", valid, 1, 0, string.Empty, true));
        }

        if (image && nav.Aggregate(1L, (x, y) => x * y) == 1)
        {
            // A single image is an image, not a series of one.
            nav = [];
            navAxes.Clear();
        }

        FramedFileStorage storage;
        if (image)
        {
            // TIA stores image rows bottom-up; they are presented top-down.
            int rows = signal[0], rowBytes = signal[1] * dtype.Size();
            storage = new FramedFileStorage(file, valid, checked((int)frameBytes), i => offsets[i] + header, 1, (stored, frame) =>
            {
                for (int r = 0; r < rows; r++)
                {
                    stored.Slice((rows - 1 - r) * rowBytes, rowBytes).CopyTo(frame.Slice(r * rowBytes, rowBytes));
                }
            }, checked((int)frameBytes));
        }
        else
        {
            storage = new FramedFileStorage(file, valid, checked((int)frameBytes), i => offsets[i] + header);
        }
        var md = baseMetadata.Clone();
        string kind = image ? (signalAxes[0].Units.StartsWith("1/", StringComparison.Ordinal) ? SignalTypes.Diffraction : SignalTypes.Image) : SignalTypes.Spectrum;
        md.SignalType = SignalTypeRules.Infer(kind, nav.Count(n => n > 1));
        var original = new MetadataTree();
        original["ser_version"] = (long)version;
        original["data_type"] = (long)dataType;
        original["tag_type"] = (long)tagType;
        original["elements"] = (long)total;
        original["valid_elements"] = (long)valid;
        var dimTree = original.Child("dimensions");
        for (int i = 0; i < dims.Count; i++)
        {
            var t = dimTree.Child(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            t["size"] = (long)dims[i].Size;
            t["offset"] = dims[i].Offset;
            t["delta"] = dims[i].Delta;
            t["description"] = dims[i].Description;
            t["units"] = dims[i].Units;
        }

        if (emiTree is not null)
        {
            original["emi"] = emiTree;
        }

        return new EmDataset(Path.GetFileNameWithoutExtension(path), new DatasetShape(nav, signal), [.. navAxes, .. signalAxes], dtype, storage, md, original);
    }

    /// <summary>TIA calibrates in metres (or 1/m for diffraction, flagged by a tiny or huge delta): nm and 1/nm.</summary>
    private static (string Units, double Factor) Units(double deltaMetres)
        => Math.Abs(deltaMetres) > 1e3 ? ("1/nm", 1e-9) : ("nm", 1e9);
}
