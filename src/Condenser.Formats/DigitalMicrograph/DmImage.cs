using System.Globalization;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.DigitalMicrograph;

/// <summary>Turns one ImageList entry of a DM file into a dataset.</summary>
internal static class DmImage
{
    public static EmDataset Build(string path, MappedFile file, MetadataTree image, bool little, MetadataTree root, int version)
    {
        if (image.Get("ImageData", "Data") is not DmArrayRef data)
        {
            throw new EmFileException(path, -1, "an image has no ImageData.Data array");
        }

        int dataType = (int)(image.GetDouble("ImageData", "DataType") ?? -1);
        var dimsTree = image.Get("ImageData", "Dimensions") as MetadataTree;
        var dmDims = dimsTree?.Items.Select(kv => kv.Value switch { long l => l, double d => (long)d, _ => -1 }).ToArray() ?? [];
        if (dmDims.Length is 0 or > 8 || dmDims.Any(d => d <= 0 || d > int.MaxValue))
        {
            throw new EmFileException(path, data.Offset, $"image dimensions [{string.Join(", ", dmDims)}] are not valid");
        }

        // DM lists dimensions fastest first (x, y, z); C order is the reverse.
        int[] cShape = dmDims.Reverse().Select(d => (int)d).ToArray();
        int rank = cShape.Length;
        var (dtype, storedSize) = dataType switch
        {
            1 => (DType.Int16, 2),
            2 => (DType.Float32, 4),
            3 => (DType.Complex64, 8),
            5 => (DType.Complex64, 4),
            6 => (DType.UInt8, 1),
            7 => (DType.Int32, 4),
            8 or 23 => (DType.Rgba8, 4),
            9 => (DType.Int8, 1),
            10 => (DType.UInt16, 2),
            11 => (DType.UInt32, 4),
            12 => (DType.Float64, 8),
            13 => (DType.Complex128, 16),
            14 => (DType.Bool, 1),
            27 => (DType.Complex64, 8),
            28 => (DType.Complex128, 16),
            _ => throw new EmFileException(path, data.Offset, $"DM data type {dataType} is not supported"),
        };

        long elements = cShape.Aggregate(1L, (a, b) => checked(a * b));
        ArrayStorage storage;
        if (dataType is 27 or 28)
        {
            storage = PackedComplex.UnpackNew(path, file, data, cShape, dtype, little);
        }
        else if (dataType == 5)
        {
            storage = PackedComplex.UnpackOld(path, file, data, cShape, little);
        }
        else
        {
            long bytes = elements * storedSize;
            if (bytes != data.ByteLength)
            {
                throw new EmFileException(path, data.Offset, $"the image is {string.Join("×", cShape)} of {storedSize}-byte pixels ({bytes} bytes) but its data array holds {data.ByteLength} bytes");
            }

            if (dtype == DType.Rgba8)
            {
                // Stored B, G, R, A; presented R, G, B, A as a trailing channel axis.
                var raw = file.Span(data.Offset, checked((int)bytes)).ToArray();
                for (int i = 0; i < raw.Length; i += 4)
                {
                    (raw[i], raw[i + 2]) = (raw[i + 2], raw[i]);
                }

                storage = new MemoryStorage(raw);
            }
            else
            {
                storage = new FileRegionStorage(file, data.Offset, bytes, little ? 1 : dtype.SwapUnit());
            }
        }

        // Calibrations (DM order) → C order.
        var calTree = image.Get("ImageData", "Calibrations", "Dimension") as MetadataTree;
        var cals = calTree?.Items.Select(kv => kv.Value as MetadataTree).ToList() ?? [];
        var scales = new double[rank];
        var offsets = new double[rank];
        var units = new string[rank];
        for (int c = 0; c < rank; c++)
        {
            int dm = rank - 1 - c;
            var cal = dm < cals.Count ? cals[dm] : null;
            double scale = cal?.GetDouble("Scale") ?? 1.0;
            double origin = cal?.GetDouble("Origin") ?? 0.0;
            scales[c] = scale;
            offsets[c] = (-origin * scale) + 0.0; // + 0.0 turns -0 into 0
            units[c] = cal?.GetString("Units") ?? string.Empty;
        }

        var tags = image.Get("ImageTags") as MetadataTree ?? new MetadataTree();
        string format = tags.GetString("Meta Data", "Format") ?? string.Empty;
        bool spim = tags.Get("spim") is not null;
        string technique = Technique(tags);
        bool spectrumLike = rank == 1
            || (rank == 2 && (format is "Spectrum image" or "Spectrum" || spim))
            || (rank > 2 && (format == "Spectrum image" || spim));

        // Axis names as HyperSpy gives them: the spectral axis by its technique, then x, y, z from the fastest.
        var names = new string?[rank];
        var free = Enumerable.Range(0, rank).ToList();
        string? specUnit = technique switch { "EELS" => "eV", "EDS" => "keV", "CL" => "nm", _ => null };
        string? specName = technique switch { "EELS" => "Energy loss", "EDS" => "Energy", "CL" => "Wavelength", _ => null };
        if (specUnit is not null && Array.IndexOf(units, specUnit) is var si and >= 0)
        {
            names[si] = specName;
            free.Remove(si);
        }

        string[] xyz = ["x", "y", "z", "t"];
        if (rank == 4 && !spectrumLike)
        {
            // A 4D-STEM scan: scan y, x then detector qy, qx.
            xyz = ["qx", "qy", "x", "y"];
        }

        for (int k = 0; k < free.Count && k < xyz.Length; k++)
        {
            names[free[free.Count - 1 - k]] = xyz[k];
        }

        // Which C axes are signal.
        int[] signalAxes;
        if (rank == 1)
        {
            signalAxes = [0];
        }
        else if (spectrumLike)
        {
            int e = SpectralAxis(units, rank);
            signalAxes = [e];
        }
        else if (rank == 2)
        {
            signalAxes = [0, 1];
        }
        else
        {
            signalAxes = [rank - 2, rank - 1];
        }

        int[] navAxes = Enumerable.Range(0, rank).Where(a => !signalAxes.Contains(a)).ToArray();
        int[] order = [.. navAxes, .. signalAxes];
        bool rgb = dtype == DType.Rgba8;
        if (!order.SequenceEqual(Enumerable.Range(0, rank)))
        {
            int[] storedShape = rgb ? [.. cShape, 4] : cShape;
            int[] fullOrder = rgb ? [.. order, rank] : order;
            storage = new PermutedStorage(storage, storedShape, fullOrder, dtype.Size());
        }

        var axes = new List<Axis>();
        foreach (var a in order)
        {
            axes.Add(new Axis(names[a] ?? string.Empty, cShape[a], scales[a], offsets[a], units[a], navAxes.Contains(a)));
        }

        var nav = navAxes.Select(a => cShape[a]).ToArray();
        var sig = signalAxes.Select(a => cShape[a]).ToList();
        if (rgb)
        {
            axes.Add(new Axis("channel", 4, 1, 0, string.Empty, false));
            sig.Add(4);
        }

        var md = DmMetadata.Normalise(tags, technique);
        md.Title = image.GetString("Name") is { Length: > 0 } t ? t : null;
        string kind = spectrumLike ? SignalTypes.Spectrum
            : IsDiffraction(tags, units, signalAxes) ? SignalTypes.Diffraction : SignalTypes.Image;
        md.SignalType = SignalTypeRules.Infer(kind, nav.Length);
        md.Technique = technique.Length > 0 ? technique : null;

        var original = new MetadataTree();
        original["dm_version"] = (long)version;
        original["ImageData"] = image.Get("ImageData");
        original["ImageTags"] = tags;
        original["Name"] = image.Get("Name");
        if (root.Get("DocumentObjectList") is { } docs)
        {
            original["DocumentObjectList"] = docs;
        }

        return new EmDataset(md.Title ?? Path.GetFileNameWithoutExtension(path), new DatasetShape(nav, sig), axes, dtype, storage, md, original);
    }

    private static int SpectralAxis(string[] units, int rank)
    {
        foreach (var u in new[] { "eV", "keV", "nm" })
        {
            int i = Array.IndexOf(units, u);
            if (i >= 0 && (rank == 2 || u != "nm" || units.Count(x => x == "nm") == 1))
            {
                return i;
            }
        }

        // DM keeps a spectrum image as x, y, E (E slowest in C order); a line of spectra as E, n.
        return rank == 2 ? 1 : 0;
    }

    private static bool IsDiffraction(MetadataTree tags, string[] units, int[] signalAxes)
    {
        if (signalAxes.All(a => units[a] is "1/nm" or "1/Å" or "1/A" or "mrad" or "rad"))
        {
            return true;
        }

        // Calibrated in real space: an image, whatever the projector mode (STEM runs it in diffraction).
        if (signalAxes.Any(a => units[a] is "nm" or "µm" or "um" or "Å" or "A" or "pm" or "m" or "mm"))
        {
            return false;
        }

        var mode = (tags.GetString("Microscope Info", "Operation Mode") ?? string.Empty) + (tags.GetString("Microscope Info", "Imaging Mode") ?? string.Empty);
        return mode.Contains("DIFFRACTION", StringComparison.OrdinalIgnoreCase) || tags.GetString("Meta Data", "Format") == "Diffraction image";
    }

    private static string Technique(MetadataTree tags)
    {
        var signal = tags.GetString("Meta Data", "Signal") ?? string.Empty;
        if (signal == "X-ray")
        {
            return "EDS";
        }

        if (signal == "CL" || tags.Get("Acquisition", "Monarc Spectrometer") is not null)
        {
            return "CL";
        }

        if (signal == "EELS" || tags.Get("spim", "eels") is not null)
        {
            return "EELS";
        }

        return string.Empty;
    }
}
