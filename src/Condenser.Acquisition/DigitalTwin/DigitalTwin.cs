using System.Globalization;
using System.Runtime.InteropServices;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Processing.MapReduce;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>
/// A physics-based digital twin of a scanning transmission electron microscope, implementing
/// <see cref="IMicroscope"/>: a seeded scene, the instrument's optics, stage, scan engine and detectors, an
/// instrument clock, drift, scan distortion, shot and detector noise, beam damage, interlocks and budgets. Commands
/// run one at a time, as on an instrument.
/// </summary>
public sealed class DigitalTwin : IMicroscope
{
    /// <summary>Electron charge (C).</summary>
    public const double ElectronCharge = 1.602176634e-19;

    private static readonly DateTime SessionEpoch = new(2026, 1, 1, 9, 0, 0, DateTimeKind.Utc);
    private readonly CommandGate _gate = new();
    private readonly Dictionary<(double, double, double), ProbeProfile> _probes = [];
    private readonly DoseMap _dose;
    private readonly (double X, double Y) _driftNmPerS;
    private OpticsState _optics;
    private StagePosition _stage = StagePosition.Origin;
    private (double X, double Y) _stageErrorNm;
    private (int X, int Y) _lastDirection;
    private ExperimentBudget _budget = ExperimentBudget.Unlimited;
    private double _clock, _electrons;
    private int _acquisitions, _moves;
    private readonly Dictionary<ulong, int> _repeats = [];

    /// <summary>A twin of <paramref name="options"/>' scene and seed.</summary>
    public DigitalTwin(TwinOptions? options = null)
    {
        Options = options ?? new TwinOptions();
        Scene = Scenes.Create(Options.Scene, Options.Seed);
        _dose = new DoseMap(Scene.HalfFieldNm);
        Options.Limits.Check(Options.InitialOptics);
        _optics = Options.InitialOptics;
        double dir = 2 * Math.PI * Hash.Unit(Hash.Of(Options.Seed, 0xD21F7));
        _driftNmPerS = (Options.DriftNmPerS * Math.Cos(dir), Options.DriftNmPerS * Math.Sin(dir));
        Description = new InstrumentDescription($"Condenser digital twin ({Scene.Name}, seed {Options.Seed})", Options.Limits,
            [DetectorKind.Haadf, DetectorKind.Adf, DetectorKind.Bf, DetectorKind.FourDStem, DetectorKind.Eels, DetectorKind.Eds],
            Options.CameraWidthMm, Options.FlybackUs, Options.CameraFrameUs);
    }

    /// <summary>The options.</summary>
    public TwinOptions Options { get; }

    /// <summary>The sample. Ground truth: for tests and benchmarks, never handed to a planner through <see cref="IMicroscope"/>.</summary>
    public Scene Scene { get; }

    /// <summary>What the instrument is.</summary>
    public InstrumentDescription Description { get; }

    /// <summary>Dose accumulated at a point of the scene (e⁻/Å²): ground truth.</summary>
    public double DoseAt(double xNm, double yNm) => _dose.At(xNm, yNm);

    /// <inheritdoc/>
    public Task<InstrumentDescription> DescribeAsync(CancellationToken cancel = default) => Task.FromResult(Description);

    /// <inheritdoc/>
    public Task<InstrumentState> GetStateAsync(CancellationToken cancel = default) => ExclusiveAsync(State, cancel);

    private Task<T> ExclusiveAsync<T>(Func<T> command, CancellationToken cancel) => _gate.RunAsync(command, cancel);

    /// <inheritdoc/>
    public Task<InstrumentState> SetOpticsAsync(OpticsChange change, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return ExclusiveAsync(() =>
        {
            var next = change.ApplyTo(_optics);
            Options.Limits.Check(next);
            _optics = next;
            return State();
        }, cancel);
    }

    /// <inheritdoc/>
    public Task<InstrumentState> MoveStageAsync(StageChange move, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(move);
        return ExclusiveAsync(() =>
        {
            var target = move.ApplyTo(_stage);
            Options.Limits.Check(target);
            double dx = target.XUm - _stage.XUm, dy = target.YUm - _stage.YUm;
            double time = Options.StageSettleS + (Math.Sqrt((dx * dx) + (dy * dy)) / Options.StageSpeedUmPerS)
                + (0.3 * (Math.Abs(target.AlphaDeg - _stage.AlphaDeg) + Math.Abs(target.BetaDeg - _stage.BetaDeg)));
            if (target == _stage)
            {
                time = 0;
            }

            CheckTime(time);
            // Backlash: an axis that reverses lags by the backlash in its new direction; repeatability adds scatter.
            int sx = Math.Sign(dx), sy = Math.Sign(dy);
            var dirs = (X: sx != 0 ? sx : _lastDirection.X, Y: sy != 0 ? sy : _lastDirection.Y);
            var rng = new Rng(Hash.Of(Options.Seed, 0x57A6E, (ulong)_moves++));
            double b = Options.StageBacklashUm * 1e3 / 2, rep = Options.StageRepeatabilityUm * 1e3;
            if (dx != 0 || dy != 0)
            {
                _stageErrorNm = ((-b * dirs.X) + (rep * rng.Normal()), (-b * dirs.Y) + (rep * rng.Normal()));
            }

            _lastDirection = dirs;
            _stage = target;
            _clock += time;
            return State();
        }, cancel);
    }

    /// <inheritdoc/>
    public async Task<InstrumentState> SetBudgetAsync(ExperimentBudget budget, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(budget);
        foreach (var (name, v) in new[] { ("budget.max_dose_per_area_e_per_a2", budget.MaxDosePerAreaEPerA2), ("budget.max_total_electrons", budget.MaxTotalElectrons), ("budget.max_time_s", budget.MaxTimeS) })
        {
            if (v is { } value && !(value > 0 && double.IsFinite(value)))
            {
                throw new InterlockException(name, $"{name} = {value} must be a positive number (or left out for no limit)");
            }
        }

        return await ExclusiveAsync(() =>
        {
            _budget = budget;
            return State();
        }, cancel).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<AcquisitionResult> AcquireAsync(AcquisitionRequest request, PushedFrames? live = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await Task.Run(() => ExclusiveAsync(() => Acquire(request, live, cancel), cancel), cancel).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    private InstrumentState State() => new(_optics, _stage, _clock, _budget.StateOf(_clock, _electrons, _dose.Peak), _acquisitions);

    private void CheckTime(double seconds) => _budget.Check(_clock, seconds);

    internal ProbeProfile ProbeFor(OpticsState o)
    {
        var key = (o.HighTensionKv, o.ConvergenceMrad, o.DefocusNm);
        lock (_probes)
        {
            if (!_probes.TryGetValue(key, out var p))
            {
                _probes[key] = p = new ProbeProfile(o.HighTensionKv, o.ConvergenceMrad, o.DefocusNm);
            }

            return p;
        }
    }

    private AcquisitionResult Acquire(AcquisitionRequest r, PushedFrames? live, CancellationToken cancel)
    {
        Options.Limits.Check(r);
        if (_optics.BeamBlanked)
        {
            throw new InterlockException("optics.beam_blanked", "the beam is blanked: unblank it (optics.beam_blanked = false) before acquiring");
        }

        if (_optics.Mode != OpticalMode.Stem)
        {
            throw new InterlockException("optics.mode", $"scan acquisitions need STEM mode; the column is in {_optics.Mode} mode");
        }

        var scan = r.Scan;
        // The noise of an acquisition is drawn from what it is (request, optics, stage) and how often that same
        // acquisition was made before, not from the session's history: a run resumed on a fresh twin draws the same.
        ulong key = RequestKey(r);
        int repeat = _repeats.GetValueOrDefault(key);
        ulong seed = Hash.Of(Options.Seed, 0xAC0, key, (ulong)repeat);
        var plan = ScanPlan.Build(r, this, Hash.Of(seed, 0x5CA9));
        if (r.Detector == DetectorKind.FourDStem && live is not null && live.Layout.FrameBytes != (long)r.CameraPixels * r.CameraPixels * 2)
        {
            throw new ArgumentException($"the live source expects frames of {live.Layout.FrameBytes} bytes; the camera gives {r.CameraPixels}×{r.CameraPixels} uint16");
        }
        // Budgets, before any electron reaches the sample.
        var increments = _dose.Box(plan.X.Min(), plan.Y.Min(), plan.X.Max(), plan.Y.Max(), scan.PixelNm);
        for (int i = 0; i < plan.Count; i++)
        {
            _dose.Spread(plan.X[i], plan.Y[i], scan.PixelNm, plan.ElectronsAt(i), increments);
        }

        _budget.Check(_clock, plan.TimeS, _electrons, plan.Electrons, _dose.PeakAfter(increments));
        // The sample's height moves it through the probe's focus: the defocus it sees is the lens's plus the stage's z.
        var focus = _optics with { DefocusNm = _optics.DefocusNm + (_stage.ZUm * 1e3) };
        var physics = new Physics(Scene, _optics, _stage, ProbeFor(focus), Options.Damage ? _dose : null, Options.CameraRotationDeg * Math.PI / 180);
        double started = _clock;
        var simulation = new Simulation(this, physics, r, plan, seed, live, cancel);
        var datasets = simulation.Run();
        _dose.Add(increments);
        _clock += plan.TimeS;
        _electrons += plan.Electrons;
        _acquisitions++;
        _repeats[key] = repeat + 1;
        double pixelA2 = scan.PixelNm * scan.PixelNm * 100;
        var perPosition = new double[plan.Count];
        for (int i = 0; i < plan.Count; i++)
        {
            perPosition[i] = plan.ElectronsAt(i) / pixelA2;
        }

        double fieldA2 = scan.FieldOfViewNm * scan.PixelNm * scan.PixelsY * 100;
        var cost = new AcquisitionCost(plan.TimeS, plan.Electrons, perPosition.Length == 0 ? 0 : perPosition.Max(), plan.Electrons / fieldA2, perPosition);
        foreach (var ds in datasets)
        {
            Describe(ds.Metadata, ds.OriginalMetadata, r, cost, started);
        }

        if (simulation.Streamed is { } streamed)
        {
            Describe(streamed.Metadata, streamed.Original, r, cost, started);
        }

        return new AcquisitionResult(datasets, cost, started, simulation.Streamed);
    }

    private ulong RequestKey(AcquisitionRequest r)
    {
        ulong h = Hash.Mix((ulong)r.Detector + 1);
        void Add(double v) => h = Hash.Of(h, (ulong)BitConverter.DoubleToInt64Bits(v));
        var s = r.Scan;
        foreach (double v in new[] { s.CenterXNm, s.CenterYNm, s.FieldOfViewNm, s.PixelsX, s.PixelsY, s.DwellUs, s.RotationDeg, r.CameraPixels })
        {
            Add(v);
        }

        foreach (double v in new[] { _optics.HighTensionKv, _optics.ConvergenceMrad, _optics.ProbeCurrentPa, _optics.DefocusNm, _optics.CameraLengthMm, (double)_optics.Mode })
        {
            Add(v);
        }

        foreach (double v in new[] { _stage.XUm, _stage.YUm, _stage.ZUm, _stage.AlphaDeg, _stage.BetaDeg })
        {
            Add(v);
        }

        if (r.Angles is { } a)
        {
            Add(a.InnerMrad);
            Add(a.OuterMrad);
        }

        if (r.Spectrometer is { } sp)
        {
            Add(sp.Channels);
            Add(sp.DispersionEv);
            Add(sp.OffsetEv);
        }

        foreach (int p in r.Positions ?? [])
        {
            Add(p);
        }

        foreach (double d in r.DwellsUs ?? [])
        {
            Add(d);
        }

        return h;
    }

    private void Describe(Metadata m, MetadataTree original, AcquisitionRequest r, AcquisitionCost cost, double started)
    {
        m.BeamEnergyKeV = _optics.HighTensionKv;
        m.ConvergenceAngleMrad = _optics.ConvergenceMrad;
        m.ExposureS = r.Scan.DwellUs * 1e-6;
        m.Instrument = Description.Name;
        m.Acquired = SessionEpoch.AddSeconds(started).ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);
        if (r.Detector == DetectorKind.FourDStem)
        {
            m.CameraLengthMm = _optics.CameraLengthMm;
        }

        var t = original.Child("instrument");
        t["name"] = Description.Name;
        t["scene"] = Scene.Name;
        t["seed"] = (long)Options.Seed;
        t["high_tension_kv"] = _optics.HighTensionKv;
        t["convergence_mrad"] = _optics.ConvergenceMrad;
        t["probe_current_pa"] = _optics.ProbeCurrentPa;
        t["defocus_nm"] = _optics.DefocusNm;
        t["camera_length_mm"] = _optics.CameraLengthMm;
        t["detector"] = r.Detector.ToString();
        var angles = r.Angles ?? DetectorAngles.Default(r.Detector);
        if (r.Detector is DetectorKind.Haadf or DetectorKind.Adf or DetectorKind.Bf)
        {
            t["detector_inner_mrad"] = angles.InnerMrad;
            t["detector_outer_mrad"] = angles.OuterMrad;
        }

        t["dwell_us"] = r.Scan.DwellUs;
        t["dose_e_per_a2"] = cost.DoseEPerA2;
        t["mean_dose_e_per_a2"] = cost.MeanDoseEPerA2;
        t["total_electrons"] = cost.TotalElectrons;
        t["instrument_time_s"] = cost.InstrumentTimeS;
        t["started_s"] = started;
        var stage = t.Child("stage");
        stage["x_um"] = _stage.XUm;
        stage["y_um"] = _stage.YUm;
        stage["z_um"] = _stage.ZUm;
        stage["alpha_deg"] = _stage.AlphaDeg;
        stage["beta_deg"] = _stage.BetaDeg;
        var s = t.Child("scan");
        s["center_x_nm"] = r.Scan.CenterXNm;
        s["center_y_nm"] = r.Scan.CenterYNm;
        s["field_of_view_nm"] = r.Scan.FieldOfViewNm;
        s["pixels_x"] = r.Scan.PixelsX;
        s["pixels_y"] = r.Scan.PixelsY;
        s["rotation_deg"] = r.Scan.RotationDeg;
        s["sparse"] = r.Positions is not null;
    }

    /// <summary>Where the optical axis meets the scene (nm): the stage, its backlash and scatter.</summary>
    internal (double X, double Y) AxisNm => ((_stage.XUm * 1e3) + _stageErrorNm.X, (_stage.YUm * 1e3) + _stageErrorNm.Y);

    internal double Clock => _clock;

    internal (double X, double Y) DriftNmPerS => _driftNmPerS;

    internal OpticsState Optics => _optics;

    /// <summary>Electrons per µs of dwell at the current probe current.</summary>
    internal double ElectronsPerUs => _optics.ProbeCurrentPa * 1e-12 * 1e-6 / ElectronCharge;
}
