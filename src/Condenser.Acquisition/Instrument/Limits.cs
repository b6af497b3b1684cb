using System.Globalization;

namespace Condenser.Acquisition.Instrument;

/// <summary>A closed interval of allowed values.</summary>
/// <param name="Min">Smallest allowed value.</param>
/// <param name="Max">Largest allowed value.</param>
public sealed record LimitRange(double Min, double Max)
{
    /// <summary>Refuses <paramref name="value"/> outside the interval, naming <paramref name="limit"/> and its <paramref name="units"/>.</summary>
    public void Check(string limit, double value, string units)
    {
        if (!double.IsFinite(value) || value < Min || value > Max)
        {
            throw new InterlockException(limit, string.Create(CultureInfo.InvariantCulture, $"{limit} = {value:G6} {units} is outside the instrument's limits [{Min:G6}, {Max:G6}] {units}"));
        }
    }
}

/// <summary>The limits the instrument enforces (interlocks).</summary>
public sealed record InstrumentLimits
{
    /// <summary>Accelerating voltages the gun offers (kV).</summary>
    public IReadOnlyList<double> HighTensionsKv { get; init; } = [60, 80, 120, 200, 300];

    /// <summary>Convergence semi-angle (mrad).</summary>
    public LimitRange ConvergenceMrad { get; init; } = new(0.5, 40);

    /// <summary>Probe current (pA).</summary>
    public LimitRange ProbeCurrentPa { get; init; } = new(0.01, 2000);

    /// <summary>Defocus (nm).</summary>
    public LimitRange DefocusNm { get; init; } = new(-5000, 5000);

    /// <summary>Camera length (mm).</summary>
    public LimitRange CameraLengthMm { get; init; } = new(20, 2000);

    /// <summary>Stage x and y (µm).</summary>
    public LimitRange StageXyUm { get; init; } = new(-1000, 1000);

    /// <summary>Stage height (µm).</summary>
    public LimitRange StageZUm { get; init; } = new(-375, 375);

    /// <summary>Stage tilt α (degrees).</summary>
    public LimitRange AlphaDeg { get; init; } = new(-70, 70);

    /// <summary>Stage tilt β (degrees).</summary>
    public LimitRange BetaDeg { get; init; } = new(-30, 30);

    /// <summary>Image shift of the scan's centre from the optical axis (nm).</summary>
    public LimitRange ImageShiftNm { get; init; } = new(-1500, 1500);

    /// <summary>Scan field of view (nm).</summary>
    public LimitRange FieldOfViewNm { get; init; } = new(0.5, 20000);

    /// <summary>Scan pixels along a side.</summary>
    public LimitRange ScanPixels { get; init; } = new(1, 8192);

    /// <summary>Dwell per position (µs).</summary>
    public LimitRange DwellUs { get; init; } = new(0.1, 1e6);

    /// <summary>Camera pixels along a side (binned readout of the pixelated camera).</summary>
    public LimitRange CameraPixels { get; init; } = new(16, 512);

    /// <summary>Spectrometer channels.</summary>
    public LimitRange SpectrometerChannels { get; init; } = new(16, 16384);

    /// <summary>Positions in one acquisition.</summary>
    public LimitRange Positions { get; init; } = new(1, 16_777_216);

    /// <summary>Refuses optics outside the limits.</summary>
    public void Check(OpticsState o)
    {
        if (!HighTensionsKv.Contains(o.HighTensionKv))
        {
            throw new InterlockException("optics.high_tension_kv", string.Create(CultureInfo.InvariantCulture, $"optics.high_tension_kv = {o.HighTensionKv:G6} kV is not one of the gun's settings ({string.Join(", ", HighTensionsKv)} kV)"));
        }

        ConvergenceMrad.Check("optics.convergence_mrad", o.ConvergenceMrad, "mrad");
        ProbeCurrentPa.Check("optics.probe_current_pa", o.ProbeCurrentPa, "pA");
        DefocusNm.Check("optics.defocus_nm", o.DefocusNm, "nm");
        CameraLengthMm.Check("optics.camera_length_mm", o.CameraLengthMm, "mm");
    }

    /// <summary>Refuses a stage position outside the limits.</summary>
    public void Check(StagePosition s)
    {
        StageXyUm.Check("stage.x_um", s.XUm, "µm");
        StageXyUm.Check("stage.y_um", s.YUm, "µm");
        StageZUm.Check("stage.z_um", s.ZUm, "µm");
        AlphaDeg.Check("stage.alpha_deg", s.AlphaDeg, "°");
        BetaDeg.Check("stage.beta_deg", s.BetaDeg, "°");
    }

    /// <summary>Refuses a request outside the limits or inconsistent in itself.</summary>
    public void Check(AcquisitionRequest r)
    {
        var s = r.Scan ?? throw new InterlockException("scan", "the acquisition has no scan settings");
        ImageShiftNm.Check("scan.center_x_nm", s.CenterXNm, "nm");
        ImageShiftNm.Check("scan.center_y_nm", s.CenterYNm, "nm");
        FieldOfViewNm.Check("scan.field_of_view_nm", s.FieldOfViewNm, "nm");
        ScanPixels.Check("scan.pixels_x", s.PixelsX, "px");
        ScanPixels.Check("scan.pixels_y", s.PixelsY, "px");
        DwellUs.Check("scan.dwell_us", s.DwellUs, "µs");
        if (!double.IsFinite(s.RotationDeg))
        {
            throw new InterlockException("scan.rotation_deg", "scan.rotation_deg must be a finite number of degrees");
        }

        Positions.Check("scan.positions", r.VisitCount, "positions");
        if (r.Positions is { } list)
        {
            var seen = new HashSet<int>();
            for (int i = 0; i < list.Count; i++)
            {
                if (list[i] < 0 || list[i] >= s.PositionCount)
                {
                    throw new InterlockException("scan.positions", $"scan.positions[{i}] = {list[i]} is outside the {s.PixelsY}×{s.PixelsX} grid (0..{s.PositionCount - 1})");
                }

                if (!seen.Add(list[i]))
                {
                    throw new InterlockException("scan.positions", $"scan.positions[{i}] = {list[i]} repeats a position: each position is visited once per acquisition");
                }
            }

            if (r.DwellsUs is { } dwells)
            {
                if (dwells.Count != list.Count)
                {
                    throw new InterlockException("scan.dwells_us", $"{dwells.Count} dwell times given for {list.Count} positions");
                }

                for (int i = 0; i < dwells.Count; i++)
                {
                    DwellUs.Check($"scan.dwells_us[{i}]", dwells[i], "µs");
                }
            }
        }
        else if (r.DwellsUs is not null)
        {
            throw new InterlockException("scan.dwells_us", "dwell times per position need a list of positions");
        }

        if (r.Detector == DetectorKind.FourDStem)
        {
            CameraPixels.Check("camera.pixels", r.CameraPixels, "px");
        }

        if (r.Angles is { } a && !(a.InnerMrad >= 0 && a.OuterMrad > a.InnerMrad && a.OuterMrad <= 500))
        {
            throw new InterlockException("detector.angles", string.Create(CultureInfo.InvariantCulture, $"detector angles {a.InnerMrad:G4}–{a.OuterMrad:G4} mrad: the inner angle must be ≥ 0 and below the outer, the outer ≤ 500 mrad"));
        }

        if (r.Spectrometer is { } sp)
        {
            SpectrometerChannels.Check("spectrometer.channels", sp.Channels, "channels");
            if (!(sp.DispersionEv > 0) || !double.IsFinite(sp.DispersionEv) || !double.IsFinite(sp.OffsetEv))
            {
                throw new InterlockException("spectrometer.dispersion_ev", $"spectrometer dispersion {sp.DispersionEv} eV/channel must be a positive number");
            }
        }
    }
}

/// <summary>What the instrument is.</summary>
/// <param name="Name">Instrument name.</param>
/// <param name="Limits">The limits it enforces.</param>
/// <param name="Detectors">Detectors it has.</param>
/// <param name="CameraWidthMm">Width of the pixelated camera's sensor (mm): the angle per camera pixel is width / pixels / camera length.</param>
/// <param name="FlybackUs">Flyback time at the end of each scan line (µs).</param>
/// <param name="CameraFrameUs">Shortest frame time of the pixelated camera (µs).</param>
public sealed record InstrumentDescription(string Name, InstrumentLimits Limits, IReadOnlyList<DetectorKind> Detectors, double CameraWidthMm, double FlybackUs, double CameraFrameUs)
{
    /// <summary>Angle per camera pixel (mrad) with <paramref name="cameraPixels"/> pixels per side at <paramref name="cameraLengthMm"/>.</summary>
    public double MradPerCameraPixel(int cameraPixels, double cameraLengthMm) => CameraWidthMm / cameraPixels / cameraLengthMm * 1e3;
}
