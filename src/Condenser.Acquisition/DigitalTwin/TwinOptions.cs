using Condenser.Acquisition.Instrument;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>How the twin behaves: its scene and seed, and the imperfections of a real instrument.</summary>
public sealed record TwinOptions
{
    /// <summary>Scene name (see <see cref="Scenes.Names"/>).</summary>
    public string Scene { get; init; } = "polycrystal";

    /// <summary>Seed of the scene and of every random draw: the same seed and commands give the same data, bit for bit.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Shot noise and detector noise (false: expected values, for tests of the physics).</summary>
    public bool Noise { get; init; } = true;

    /// <summary>Beam damage grows with the accumulated dose.</summary>
    public bool Damage { get; init; } = true;

    /// <summary>Specimen drift (nm/s) in a direction drawn from the seed.</summary>
    public double DriftNmPerS { get; init; } = 0.05;

    /// <summary>Line-to-line jitter of the scan along the fast direction (nm rms).</summary>
    public double LineJitterNm { get; init; } = 0.01;

    /// <summary>Flyback distortion: the start of each line lags by this fraction of the field, decaying with <see cref="FlybackTauUs"/>.</summary>
    public double FlybackDistortion { get; init; } = 0.002;

    /// <summary>Decay time of the flyback distortion (µs).</summary>
    public double FlybackTauUs { get; init; } = 15;

    /// <summary>Flyback time per line (µs).</summary>
    public double FlybackUs { get; init; } = 300;

    /// <summary>Shortest frame time of the pixelated camera (µs).</summary>
    public double CameraFrameUs { get; init; } = 100;

    /// <summary>Shortest readout of the EELS camera (µs).</summary>
    public double SpectrometerFrameUs { get; init; } = 100;

    /// <summary>Stage backlash (µm): a stage that reverses lags by this much.</summary>
    public double StageBacklashUm { get; init; } = 0.05;

    /// <summary>Stage repeatability (µm rms).</summary>
    public double StageRepeatabilityUm { get; init; } = 0.005;

    /// <summary>Stage speed (µm/s).</summary>
    public double StageSpeedUmPerS { get; init; } = 20;

    /// <summary>Stage settle time after a move (s); tilts add 0.3 s per degree.</summary>
    public double StageSettleS { get; init; } = 0.5;

    /// <summary>Rotation of the pixelated camera against the scan (degrees, counter-clockwise on the camera image), as a camera is mounted.</summary>
    public double CameraRotationDeg { get; init; }

    /// <summary>Width of the pixelated camera's sensor (mm).</summary>
    public double CameraWidthMm { get; init; } = 14.08;

    /// <summary>Detector gains and noise.</summary>
    public DetectorModel Detectors { get; init; } = new();

    /// <summary>The instrument's limits.</summary>
    public InstrumentLimits Limits { get; init; } = new();

    /// <summary>The optics at start.</summary>
    public OpticsState InitialOptics { get; init; } = new(200, OpticalMode.Stem, 20, 20, 0, 100, false);

    /// <summary>No drift, jitter, flyback distortion, backlash, damage or noise: the physics alone.</summary>
    public TwinOptions Ideal() => this with
    {
        Noise = false,
        Damage = false,
        DriftNmPerS = 0,
        LineJitterNm = 0,
        FlybackDistortion = 0,
        StageBacklashUm = 0,
        StageRepeatabilityUm = 0,
    };
}
