using System.Globalization;
using Condenser.Data;
using Condenser.Data.Storage;
using static Condenser.Formats.BinaryFields;

namespace Condenser.Formats.Mrc;

/// <summary>
/// MRC 2014 (CCP-EM): images, stacks and movies, with FEI/Thermo (FEI1, FEI2) extended headers and the
/// Direct Electron <c>*_info.txt</c> sidecar.
/// </summary>
public sealed class MrcFormat : IEmFormat
{
    private const int HeaderBytes = 1024;

    /// <inheritdoc/>
    public string Name => "mrc";

    /// <inheritdoc/>
    public string Description => "MRC / MRCS (CCP-EM 2014, FEI/Thermo extended header, Direct Electron sidecars)";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".mrc", ".mrcs", ".map", ".st", ".rec"];

    /// <inheritdoc/>
    public bool TryDetect(ReadOnlySpan<byte> header) => header.Length >= HeaderBytes && header.Slice(208, 4).SequenceEqual("MAP "u8);

    /// <inheritdoc/>
    public IReadOnlyList<string> Companions(string path) => DirectElectronInfo.FindPath(path) is { } p ? [p] : [];

    /// <inheritdoc/>
    public EmFile Open(string path, OpenOptions? options = null)
    {
        using var file = new MappedFile(path);
        var h = file.Span(0, HeaderBytes);
        bool big = h[212] == 0x11;
        int nx = I32(h, 0, big), ny = I32(h, 4, big), nz = I32(h, 8, big), mode = I32(h, 12, big);
        if (nx <= 0 || ny <= 0 || nz <= 0 || nx > 1 << 20 || ny > 1 << 20 || nz > 1 << 28)
        {
            throw new EmFileException(path, 0, $"dimensions {nx}×{ny}×{nz} are out of range");
        }

        var dtype = mode switch
        {
            0 => DType.Int8,
            1 => DType.Int16,
            2 => DType.Float32,
            4 => DType.Complex64,
            6 => DType.UInt16,
            _ => throw new EmFileException(path, 12, $"MRC mode {mode} is not supported (supported: 0 int8, 1 int16, 2 float32, 4 complex64, 6 uint16)"),
        };

        int extended = I32(h, 92, big);
        if (extended < 0 || extended > file.Length)
        {
            throw new EmFileException(path, 92, $"extended header size {extended} is out of range");
        }

        long dataOffset = HeaderBytes + (long)extended;
        long bytes = checked((long)nx * ny * nz * dtype.Size());
        var storage = new FileRegionStorage(file, dataOffset, bytes, big ? dtype.SwapUnit() : 1);

        var original = new MetadataTree();
        var hd = original.Child("header");
        hd["nx"] = (long)nx;
        hd["ny"] = (long)ny;
        hd["nz"] = (long)nz;
        hd["mode"] = (long)mode;
        hd["cella"] = new double[] { F32(h, 40, big), F32(h, 44, big), F32(h, 48, big) };
        hd["mapc_mapr_maps"] = new long[] { I32(h, 64, big), I32(h, 68, big), I32(h, 72, big) };
        hd["dmin_dmax_dmean"] = new double[] { F32(h, 76, big), F32(h, 80, big), F32(h, 84, big) };
        hd["ispg"] = (long)I32(h, 88, big);
        hd["nsymbt"] = (long)extended;
        hd["exttyp"] = Text(h, 104, 4);
        hd["origin"] = new double[] { F32(h, 196, big), F32(h, 200, big), F32(h, 204, big) };
        hd["nxstart_nystart_nzstart"] = new long[] { I32(h, 16, big), I32(h, 20, big), I32(h, 24, big) };
        hd["mx_my_mz"] = new long[] { I32(h, 28, big), I32(h, 32, big), I32(h, 36, big) };
        int labels = Math.Clamp(I32(h, 220, big), 0, 10);
        for (int i = 0; i < labels; i++)
        {
            hd.Add($"label_{i}", Text(h, 224 + (80 * i), 80));
        }

        var md = new Metadata();
        string ext = Text(h, 104, 4);
        double? pixelM = null;
        if ((ext == "FEI1" || ext == "FEI2") && extended >= 200)
        {
            pixelM = FeiExtendedHeader.Read(file.Span(HeaderBytes, extended), original.Child("fei_extended_header"), md);
        }

        var geometry = MrcGeometry.Read(h, big, [nx, ny, nz]);
        if (pixelM is { } p && (geometry.StepNm[0] == 0 || geometry.StepNm[1] == 0))
        {
            // The cell gives no pixel: the FEI extended header's pixel size (m) calibrates the image.
            geometry = geometry with { StepNm = [p * 1e9, p * 1e9, geometry.StepNm[2]], OffsetNm = [0, 0, geometry.OffsetNm[2]] };
        }

        var sidecar = DirectElectronInfo.Find(path);
        int[] nav = nz > 1 ? [nz] : [];
        if (sidecar is not null)
        {
            original["de_info"] = sidecar;
            DirectElectronInfo.Apply(sidecar, md);
            if (DirectElectronInfo.ScanShape(sidecar) is { } scan && (long)scan[0] * scan[1] == nz && nz > 1)
            {
                nav = scan;
            }
        }

        var axes = new List<Axis>();
        if (nav.Length == 2)
        {
            axes.Add(Axis.Plain("y", nav[0], true));
            axes.Add(Axis.Plain("x", nav[1], true));
            md.SignalType ??= SignalTypes.FourDStem;
        }
        else if (nav.Length == 1)
        {
            // Sections: planes of a volume (nm apart) or frames of a stack, calibrated as the header says.
            axes.Add(geometry.Axis(2, nz, true));
        }

        axes.Add(geometry.Axis(1, ny, false));
        axes.Add(geometry.Axis(0, nx, false));
        md.SignalType ??= SignalTypeRules.Infer(SignalTypes.Image, nav.Length);

        var shape = new DatasetShape(nav, [ny, nx]);
        var ds = new EmDataset(Path.GetFileNameWithoutExtension(path), shape, axes, dtype, storage, md, original);
        return new EmFile(path, Name, [ds]);
    }
}

/// <summary>The FEI/Thermo MRC extended header (one metadata block per frame; the first one is read).</summary>
internal static class FeiExtendedHeader
{
    /// <summary>Reads the first block into <paramref name="tree"/> and the normalised fields; returns the pixel size in m.</summary>
    public static double? Read(ReadOnlySpan<byte> b, MetadataTree tree, Metadata md)
    {
        int size = I32(b, 0);
        if (size < 460 || size > b.Length)
        {
            return null;
        }

        tree["metadata_size"] = (long)size;
        tree["metadata_version"] = (long)I32(b, 4);
        double days = F64(b, 12);
        tree["microscope_type"] = Text(b, 20, 16);
        tree["d_number"] = Text(b, 36, 16);
        tree["application"] = Text(b, 52, 16);
        tree["application_version"] = Text(b, 68, 16);
        tree["ht_v"] = F64(b, 84);
        tree["dose"] = F64(b, 92);
        tree["pixel_size_x_m"] = F64(b, 156);
        tree["pixel_size_y_m"] = F64(b, 164);
        tree["defocus_m"] = F64(b, 220);
        tree["magnification"] = F64(b, 289);
        tree["camera_length_m"] = F64(b, 301);
        tree["convergence_angle_rad"] = F64(b, 329);
        tree["integration_time_s"] = F64(b, 419);
        tree["camera_name"] = Text(b, 435, 16);

        if (double.IsFinite(days) && days > 1 && days < 2958465)
        {
            var t = new DateTime(1899, 12, 30, 0, 0, 0, DateTimeKind.Unspecified).AddDays(days);
            md.Acquired = t.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        }

        md.BeamEnergyKeV = Positive(F64(b, 84)) / 1000.0;
        md.Magnification = Positive(F64(b, 289));
        md.CameraLengthMm = Positive(F64(b, 301)) * 1000.0;
        md.ConvergenceAngleMrad = Positive(F64(b, 329)) * 1000.0;
        md.ExposureS = Positive(F64(b, 419));
        md.Instrument = Text(b, 20, 16) is { Length: > 0 } m ? m : null;
        md.Detector = Text(b, 435, 16) is { Length: > 0 } c ? c : null;
        double px = F64(b, 156);
        return double.IsFinite(px) && px > 0 && px < 1 ? px : null;
    }
}
