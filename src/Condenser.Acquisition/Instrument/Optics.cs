namespace Condenser.Acquisition.Instrument;

/// <summary>The optical mode of the column.</summary>
public enum OpticalMode
{
    /// <summary>Scanning (a focused probe is rastered; scan detectors and the pixelated camera record).</summary>
    Stem,

    /// <summary>Parallel illumination imaging.</summary>
    Tem,

    /// <summary>Parallel illumination, the camera sees the back focal plane.</summary>
    Diffraction,
}

/// <summary>The state of the optics.</summary>
/// <param name="HighTensionKv">Accelerating voltage (kV).</param>
/// <param name="Mode">Optical mode.</param>
/// <param name="ConvergenceMrad">Probe convergence semi-angle (mrad).</param>
/// <param name="ProbeCurrentPa">Probe current (pA).</param>
/// <param name="DefocusNm">Defocus (nm; positive is underfocus, the probe's crossover above the sample).</param>
/// <param name="CameraLengthMm">Camera length of the diffraction camera (mm).</param>
/// <param name="BeamBlanked">True while the beam is blanked (no acquisition, no dose).</param>
public sealed record OpticsState(
    double HighTensionKv,
    OpticalMode Mode,
    double ConvergenceMrad,
    double ProbeCurrentPa,
    double DefocusNm,
    double CameraLengthMm,
    bool BeamBlanked);

/// <summary>A change of the optics; null fields keep their value.</summary>
public sealed record OpticsChange
{
    /// <summary>Accelerating voltage (kV).</summary>
    public double? HighTensionKv { get; init; }

    /// <summary>Optical mode.</summary>
    public OpticalMode? Mode { get; init; }

    /// <summary>Probe convergence semi-angle (mrad).</summary>
    public double? ConvergenceMrad { get; init; }

    /// <summary>Probe current (pA).</summary>
    public double? ProbeCurrentPa { get; init; }

    /// <summary>Defocus (nm).</summary>
    public double? DefocusNm { get; init; }

    /// <summary>Camera length (mm).</summary>
    public double? CameraLengthMm { get; init; }

    /// <summary>Blank (true) or unblank (false) the beam.</summary>
    public bool? BeamBlanked { get; init; }

    /// <summary>The optics after this change.</summary>
    public OpticsState ApplyTo(OpticsState o) => new(
        HighTensionKv ?? o.HighTensionKv,
        Mode ?? o.Mode,
        ConvergenceMrad ?? o.ConvergenceMrad,
        ProbeCurrentPa ?? o.ProbeCurrentPa,
        DefocusNm ?? o.DefocusNm,
        CameraLengthMm ?? o.CameraLengthMm,
        BeamBlanked ?? o.BeamBlanked);
}
