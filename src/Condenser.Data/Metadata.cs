namespace Condenser.Data;

/// <summary>Normalised acquisition metadata. Every field is null when the file does not say: nothing is invented.</summary>
public sealed class Metadata
{
    /// <summary>Title or name given in the file.</summary>
    public string? Title { get; set; }

    /// <summary>One of <see cref="SignalTypes"/>.</summary>
    public string? SignalType { get; set; }

    /// <summary>Spectroscopy kind where known: EELS, EDS, CL.</summary>
    public string? Technique { get; set; }

    /// <summary>Accelerating voltage.</summary>
    /// <remarks>Units: kV (beam energy in keV).</remarks>
    public double? BeamEnergyKeV { get; set; }

    /// <summary>Nominal magnification (dimensionless).</summary>
    public double? Magnification { get; set; }

    /// <summary>Camera length.</summary>
    /// <remarks>Units: mm.</remarks>
    public double? CameraLengthMm { get; set; }

    /// <summary>Probe convergence semi-angle.</summary>
    /// <remarks>Units: mrad.</remarks>
    public double? ConvergenceAngleMrad { get; set; }

    /// <summary>Exposure per frame, or dwell time per scan position.</summary>
    /// <remarks>Units: s.</remarks>
    public double? ExposureS { get; set; }

    /// <summary>Acquisition date and time as the file gives it (local time of the instrument, ISO 8601).</summary>
    public string? Acquired { get; set; }

    /// <summary>Microscope name or model.</summary>
    public string? Instrument { get; set; }

    /// <summary>Detector or camera name.</summary>
    public string? Detector { get; set; }

    /// <summary>A shallow copy.</summary>
    public Metadata Clone() => (Metadata)MemberwiseClone();
}
