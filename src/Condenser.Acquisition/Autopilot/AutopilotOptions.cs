using Condenser.Acquisition.Instrument;

namespace Condenser.Acquisition.Autopilot;

/// <summary>What an autopilot run does.</summary>
public sealed record AutopilotOptions
{
    /// <summary>The policy.</summary>
    public PolicyKind Policy { get; init; } = PolicyKind.GpVariance;

    /// <summary>What is mapped: <c>haadf</c> (the HAADF map), <c>features</c> (the HAADF map and the bright regions in it: particles, precipitates), or <c>strain</c> (one component of the lattice strain from a 4D-STEM pattern at each probe, <see cref="StrainTarget"/>).</summary>
    public string Target { get; init; } = "haadf";

    /// <summary>The component a strain run maps (<see cref="StrainTarget.Components"/>).</summary>
    public string StrainComponent { get; init; } = "magnitude";

    /// <summary>Pixels per side of the camera's patterns in a strain run.</summary>
    public int CameraPixels { get; init; } = 128;

    /// <summary>Probes as a fraction of the full raster's (0 &lt; f ≤ 1): the dose of the run against the raster's.</summary>
    public double Fraction { get; init; } = 0.2;

    /// <summary>A dose-per-area budget handed to the instrument (e⁻/Å²); null: none beyond the fraction.</summary>
    public double? DoseBudgetEPerA2 { get; init; }

    /// <summary>Positions per side of the grid.</summary>
    public int Grid { get; init; } = 64;

    /// <summary>Field of view (nm).</summary>
    public double FovNm { get; init; } = 200;

    /// <summary>Centre of the field from the optical axis (nm).</summary>
    public double CenterXNm { get; init; }

    /// <summary>Centre of the field from the optical axis (nm).</summary>
    public double CenterYNm { get; init; }

    /// <summary>Dwell per probe (µs).</summary>
    public double DwellUs { get; init; } = 10;

    /// <summary>The seed of the policy's draws.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>How a sparse run's map is made: <c>gp</c> (the Gaussian process's posterior mean) or <c>tv</c> (total-variation inpainting of the probes, which keeps edges and small particles a smooth process averages away).</summary>
    public string Reconstruction { get; init; } = "gp";

    /// <summary>Inner and outer angles of the scan detector (mrad); null: the instrument's HAADF detector.</summary>
    public DetectorAngles? Angles { get; init; }

    /// <summary>A warm start: hyperparameters proposed from past runs (<see cref="ModelPriors.Propose"/>); the model policies then decide from the first probe, with no seed, and fit their own once they hold 150 observations (as many as a fit uses).</summary>
    public ModelPrior? Prior { get; init; }

    /// <summary>How long one acquisition may take before it counts as failed (s).</summary>
    public double AcquireTimeoutS { get; init; } = 120;

    /// <summary>Tries after a failed or timed-out acquisition before the run stops (with the reason logged).</summary>
    public int AcquireRetries { get; init; } = 2;

    /// <summary>Refuses options out of range.</summary>
    public void Check()
    {
        if (Target is not ("haadf" or "features" or "strain"))
        {
            throw new ArgumentException($"--target '{Target}': this build maps haadf, features and strain; phase is not built yet");
        }

        if (!StrainTarget.Components.Contains(StrainComponent))
        {
            throw new ArgumentException($"--strain-component '{StrainComponent}': give one of {string.Join(", ", StrainTarget.Components)}");
        }

        if (CameraPixels is < 16 or > 1024)
        {
            throw new ArgumentException($"--camera-pixels {CameraPixels} must lie in 16..1024");
        }

        if (!(AcquireTimeoutS > 0) || !double.IsFinite(AcquireTimeoutS) || AcquireRetries is < 0 or > 10)
        {
            throw new ArgumentException("the acquisition timeout must be a positive number of seconds and the retries lie in 0..10");
        }

        if (Reconstruction is not ("gp" or "tv"))
        {
            throw new ArgumentException($"--reconstruction '{Reconstruction}': give gp or tv");
        }

        if (!(Fraction > 0 && Fraction <= 1))
        {
            throw new ArgumentException($"--fraction {Fraction} must lie in (0, 1]");
        }

        if (Grid is < 4 or > 1024)
        {
            throw new ArgumentException($"--grid {Grid} must lie in 4..1024");
        }

        if (!(FovNm > 0) || !double.IsFinite(FovNm) || !(DwellUs > 0) || !double.IsFinite(DwellUs))
        {
            throw new ArgumentException("the field of view and the dwell must be positive numbers");
        }

        if (Angles is { } a && !(a.InnerMrad >= 0 && a.OuterMrad > a.InnerMrad && double.IsFinite(a.OuterMrad)))
        {
            throw new ArgumentException($"--detector-angles {a.InnerMrad},{a.OuterMrad}: give inner,outer in mrad with 0 ≤ inner < outer");
        }

        if (DoseBudgetEPerA2 is { } d && !(d > 0))
        {
            throw new ArgumentException($"--dose-budget {d} must be a positive number of e⁻/Å²");
        }
    }

    /// <summary>Probes the run may make.</summary>
    public int Probes => Math.Max(1, (int)Math.Round(Fraction * Grid * Grid));

    /// <summary>The scan grid.</summary>
    public ScanSettings Scan => new(CenterXNm, CenterYNm, FovNm, Grid, Grid, DwellUs);
}

/// <summary>What a run did.</summary>
/// <param name="Map">The reconstructed target on the grid (row-major).</param>
/// <param name="Visits">Grid positions visited, in order, with their values.</param>
/// <param name="Decisions">Decisions made (acquisitions).</param>
/// <param name="MeanDecisionMs">Mean time to decide (model update and choice), ms.</param>
/// <param name="Electrons">Electrons delivered.</param>
/// <param name="InstrumentTimeS">Instrument time (s).</param>
/// <param name="Stopped">Why the run ended before its probes were spent, if it did.</param>
/// <param name="Threshold">The feature threshold (<see cref="FeatureDetection.Threshold"/>) of the run's unsteered observations: the seed or survey of a model policy, every observation of a fixed sequence.</param>
/// <param name="Fallbacks">Decisions that the safe policy made because the model could not (each logged with its reason).</param>
/// <param name="Error">The standard error of each map value: the spread of one observation for a raw raster, the posterior standard deviation of a reconstruction.</param>
/// <param name="Model">The Gaussian process of the map (null for a raw raster or when none could be built): what later runs may start from.</param>
public sealed record AutopilotResult(double[] Map, IReadOnlyList<(int Position, double Value)> Visits, int Decisions, double MeanDecisionMs, double Electrons, double InstrumentTimeS, string? Stopped, double Threshold, int Fallbacks, double[] Error, RunModel? Model)
{
    /// <summary>
    /// The bright regions above <see cref="Threshold"/>, on the observations where the run probed and on the
    /// reconstruction where it did not: a reconstruction smooths a particle seen by a few probes away, the probes
    /// themselves do not.
    /// </summary>
    public List<DetectedFeature> Features(AutopilotOptions o)
    {
        var map = Map.ToArray();
        foreach (var (p, v) in Visits)
        {
            if (double.IsFinite(v))
            {
                map[p] = v;
            }
        }

        return FeatureDetection.Detect(map, o, Threshold);
    }

    /// <summary>Electrons over the field's area (e⁻/Å²).</summary>
    public double DosePerArea(AutopilotOptions o) => Electrons / (o.FovNm * o.FovNm * 100);
}

/// <summary>A running campaign's map so far.</summary>
/// <param name="Positions">Grid positions visited, in order.</param>
/// <param name="Values">Their values (NaN where an answer was not a number).</param>
/// <param name="Mean">The model's posterior mean over the grid (null before a model is fitted, and for the fixed sequences).</param>
/// <param name="Std">Its posterior standard deviation.</param>
public sealed record AutopilotSnapshot(int[] Positions, double[] Values, double[]? Mean, double[]? Std);
