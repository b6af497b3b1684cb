using System.Globalization;
using System.Runtime.InteropServices;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Processing.FourDStem;
using Condenser.Processing.MapReduce;

namespace Condenser.Acquisition.Recorded;

/// <summary>
/// A recorded 4D-STEM scan served as an <see cref="IMicroscope"/>, the file as ground truth: acquiring a position
/// reads its frame, thinned to the dose asked for (each recorded count kept with probability dose / recorded dose: exact
/// for counting data), or summed over a virtual annular detector for the scan detectors. The scan grid, the optics and
/// the stage are the recording's; a command that would change them is refused, naming what cannot change.
/// </summary>
/// <remarks>
/// The recorded dose is the file's probe current and dwell (<paramref name="recordedCurrentPa"/>,
/// <paramref name="recordedDwellUs"/>): an acquisition at that current and dwell returns the frames as recorded;
/// more dose than was recorded is refused (it cannot be made up). Scan detectors need a detector calibrated in angle.
/// </remarks>
public sealed class RecordedMicroscope(EmDataset scan, double recordedCurrentPa, double recordedDwellUs, ulong seed = 1) : IMicroscope
{
    private readonly CommandGate _gate = new();
    private readonly EmDataset _scan = Check(scan);
    private readonly double[] _dose = new double[scan.FrameCount];
    private OpticsState _optics = new(scan.Metadata.BeamEnergyKeV ?? 200, OpticalMode.Stem, scan.Metadata.ConvergenceAngleMrad ?? 0, recordedCurrentPa, 0, scan.Metadata.CameraLengthMm ?? 0, false);
    private ExperimentBudget _budget = ExperimentBudget.Unlimited;
    private (double Y, double X)? _diskCenter;
    private double _clock, _electrons;
    private int _acquisitions;

    // Visits per position: the draw of a visit depends on the position and on how often it was visited before, not on
    // the session's history, so that a fresh microscope serving a resumed run draws what the first one would have.
    private readonly int[] _visits = new int[scan.FrameCount];

    /// <summary>Scan positions per line of the recording.</summary>
    public int PixelsX => _scan.Shape.Navigation[1];

    /// <summary>Lines of the recording.</summary>
    public int PixelsY => _scan.Shape.Navigation[0];

    /// <summary>The recording's scan step (its navigation axis' scale and units).</summary>
    public Axis StepAxis => _scan.Axes[1];

    /// <summary>The field of view a request must give: the recording's width in its scan units.</summary>
    public double FieldOfView => PixelsX * StepAxis.Scale;

    private static EmDataset Check(EmDataset ds)
    {
        if (ds.Shape.Navigation.Count != 2 || ds.Shape.Signal.Count != 2)
        {
            throw new ArgumentException($"{ds.Name}: a recorded microscope needs a 2-d scan of 2-d frames; this dataset is {ds.Shape}");
        }

        if (ds.DType is not (DType.UInt8 or DType.UInt16 or DType.UInt32))
        {
            throw new ArgumentException($"{ds.Name}: a recorded microscope needs counted frames (unsigned integers); this dataset holds {ds.DType.Name()}");
        }

        return ds;
    }

    /// <inheritdoc/>
    public Task<InstrumentDescription> DescribeAsync(CancellationToken cancel = default) => Task.FromResult(new InstrumentDescription(
        $"recorded scan {_scan.Name} ({PixelsY}×{PixelsX} of {_scan.Shape.Signal[0]}×{_scan.Shape.Signal[1]})",
        new InstrumentLimits(), [DetectorKind.FourDStem, DetectorKind.Haadf, DetectorKind.Adf, DetectorKind.Bf], 0, 0, recordedDwellUs));

    /// <inheritdoc/>
    public Task<InstrumentState> GetStateAsync(CancellationToken cancel = default) => Exclusive(State, cancel);

    /// <inheritdoc/>
    public Task<InstrumentState> SetOpticsAsync(OpticsChange change, CancellationToken cancel = default) => Exclusive(() =>
    {
        var next = change.ApplyTo(_optics);
        // Only the dose and the blank can change on a recording.
        foreach (var (name, changed) in new[] { ("optics.high_tension_kv", next.HighTensionKv != _optics.HighTensionKv), ("optics.mode", next.Mode != _optics.Mode), ("optics.convergence_mrad", next.ConvergenceMrad != _optics.ConvergenceMrad), ("optics.defocus_nm", next.DefocusNm != _optics.DefocusNm), ("optics.camera_length_mm", next.CameraLengthMm != _optics.CameraLengthMm) })
        {
            if (changed)
            {
                throw new InterlockException(name, $"{name} is fixed by the recording; only the probe current and the blank can change");
            }
        }

        if (!(next.ProbeCurrentPa > 0) || next.ProbeCurrentPa > recordedCurrentPa)
        {
            throw new InterlockException("optics.probe_current_pa", string.Create(CultureInfo.InvariantCulture, $"optics.probe_current_pa = {next.ProbeCurrentPa:G4} pA: a recording gives at most its own {recordedCurrentPa:G4} pA"));
        }

        _optics = next;
        return State();
    }, cancel);

    /// <inheritdoc/>
    public Task<InstrumentState> MoveStageAsync(StageChange move, CancellationToken cancel = default) => Exclusive(() =>
    {
        if (move.ApplyTo(StagePosition.Origin) != StagePosition.Origin)
        {
            throw new InterlockException("stage", "the stage of a recording cannot move: the recorded field is all there is");
        }

        return State();
    }, cancel);

    /// <inheritdoc/>
    public Task<InstrumentState> SetBudgetAsync(ExperimentBudget budget, CancellationToken cancel = default) => Exclusive(() =>
    {
        _budget = budget;
        return State();
    }, cancel);

    /// <inheritdoc/>
    public Task<AcquisitionResult> AcquireAsync(AcquisitionRequest request, PushedFrames? live = null, CancellationToken cancel = default)
        => Exclusive(() => Acquire(request, live, cancel), cancel);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    private Task<T> Exclusive<T>(Func<T> command, CancellationToken cancel) => _gate.RunAsync(command, cancel);

    private double PixelA2 => StepAxis.Units == "nm" ? StepAxis.Scale * StepAxis.Scale * 100 : double.NaN;

    private InstrumentState State() => new(_optics, StagePosition.Origin, _clock, _budget.StateOf(_clock, _electrons, _dose.Max()), _acquisitions);

    private AcquisitionResult Acquire(AcquisitionRequest r, PushedFrames? live, CancellationToken cancel)
    {
        new InstrumentLimits().Check(r);
        var s = r.Scan;
        if (s.PixelsX != PixelsX || s.PixelsY != PixelsY || Math.Abs(s.FieldOfViewNm - FieldOfView) > 1e-9 * FieldOfView || s.CenterXNm != 0 || s.CenterYNm != 0 || s.RotationDeg != 0)
        {
            throw new InterlockException("scan", string.Create(CultureInfo.InvariantCulture, $"a recording can only be scanned on its own grid: {PixelsY}×{PixelsX} positions over {FieldOfView:G6} {StepAxis.Units}, centred, unrotated"));
        }

        if (_optics.BeamBlanked)
        {
            throw new InterlockException("optics.beam_blanked", "the beam is blanked: unblank it before acquiring");
        }

        var grid = r.Positions?.ToArray() ?? Enumerable.Range(0, (int)s.PositionCount).ToArray();
        var dwell = r.DwellsUs?.ToArray() ?? Enumerable.Repeat(s.DwellUs, grid.Length).ToArray();
        double perUs = _optics.ProbeCurrentPa * 1e-18 / DigitalTwin.DigitalTwin.ElectronCharge;
        double recorded = recordedCurrentPa * recordedDwellUs;
        if (dwell.Any(d => (_optics.ProbeCurrentPa * d) > recorded * (1 + 1e-12)))
        {
            throw new InterlockException("scan.dwell_us", string.Create(CultureInfo.InvariantCulture, $"a dwell above {recorded / _optics.ProbeCurrentPa:G4} µs at {_optics.ProbeCurrentPa:G4} pA asks for more dose than was recorded"));
        }

        double time = dwell.Sum() * 1e-6, electrons = dwell.Sum() * perUs;
        var perPosition = dwell.Select(d => d * perUs / PixelA2).ToArray();
        _budget.Check(_clock, time, _electrons, electrons, grid.Select((p, i) => _dose[p] + perPosition[i]).DefaultIfEmpty(0).Max());

        var datasets = r.Detector switch
        {
            DetectorKind.FourDStem => Frames(r, grid, dwell, live, cancel),
            DetectorKind.Haadf or DetectorKind.Adf or DetectorKind.Bf => ScanImage(r, grid, dwell, cancel),
            _ => throw new InterlockException("detector", $"a 4D-STEM recording has no {r.Detector} detector"),
        };
        for (int i = 0; i < grid.Length; i++)
        {
            _dose[grid[i]] += double.IsNaN(perPosition[i]) ? 0 : perPosition[i];
        }

        double started = _clock;
        _clock += time;
        _electrons += electrons;
        _acquisitions++;
        var cost = new AcquisitionCost(time, electrons, perPosition.DefaultIfEmpty(0).Max(), electrons / (FieldOfView * FieldOfView * PixelsY / PixelsX * 100), perPosition);
        return new AcquisitionResult(datasets, cost, started);
    }

    /// <summary>A frame thinned to <paramref name="keep"/> of its recorded counts, as doubles.</summary>
    private void Thinned(int position, double keep, ulong visit, Span<double> into)
    {
        var bytes = new byte[_scan.FrameBytes];
        _scan.ReadFrame(position, bytes);
        _scan.DType.ReadInto(bytes, into);
        if (keep >= 1 - 1e-12)
        {
            return;
        }

        var rng = new DigitalTwin.Rng(DigitalTwin.Hash.Of(seed, 0x7EC, visit, (ulong)position));
        for (int k = 0; k < into.Length; k++)
        {
            long n = (long)into[k], kept = 0;
            for (long c = 0; c < n; c++)
            {
                kept += rng.Uniform() < keep ? 1 : 0;
            }

            into[k] = kept;
        }
    }

    private double Keep(double dwellUs) => _optics.ProbeCurrentPa * dwellUs / (recordedCurrentPa * recordedDwellUs);

    private List<EmDataset> Frames(AcquisitionRequest r, int[] grid, double[] dwell, PushedFrames? live, CancellationToken cancel)
    {
        int h = _scan.Shape.Signal[0], w = _scan.Shape.Signal[1];
        var frames = new ushort[(long)grid.Length * h * w];
        var one = new double[h * w];
        for (int i = 0; i < grid.Length; i++)
        {
            cancel.ThrowIfCancellationRequested();
            Thinned(grid[i], Keep(dwell[i]), (ulong)_visits[grid[i]]++, one);
            var frame = frames.AsSpan(i * h * w, h * w);
            for (int k = 0; k < one.Length; k++)
            {
                frame[k] = (ushort)Math.Min(one[k], ushort.MaxValue);
            }

            live?.Push<ushort>(grid[i], frame);
        }

        var signal = _scan.Axes.Skip(2).ToArray();
        var bytes = MemoryMarshal.AsBytes(frames.AsSpan()).ToArray();
        var meta = _scan.Metadata.Clone();
        meta.ExposureS = r.Scan.DwellUs * 1e-6;
        if (r.Positions is null)
        {
            return [new EmDataset(_scan.Name, _scan.Shape, _scan.Axes, DType.UInt16, new MemoryStorage(bytes), meta)];
        }

        return [new EmDataset(_scan.Name, new DatasetShape([grid.Length], [h, w]), [new Axis("position", grid.Length, 1, 0, "", true), .. signal], DType.UInt16, new MemoryStorage(bytes), meta)];
    }

    private List<EmDataset> ScanImage(AcquisitionRequest r, int[] grid, double[] dwell, CancellationToken cancel)
    {
        double mradPerPixel = DetectorCalibration.MradPerPixel(_scan) ?? throw new InterlockException("detector.angles", $"{_scan.Name}: the recording's detector is not calibrated in angle, so a scan detector's angles cannot be placed on it");
        var angles = r.Angles ?? DetectorAngles.Default(r.Detector);
        // Found once from the recording's mean pattern (up to 1,024 frames read): a sparse run acquires a probe at a time.
        var (cy, cx) = _diskCenter ??= FourDStemInputs.DiskCenter(_scan);
        int h = _scan.Shape.Signal[0], w = _scan.Shape.Signal[1];
        var spans = Condenser.Processing.Kernels.PixelSpans.Annulus(h, w, cy, cx, angles.InnerMrad / mradPerPixel, angles.OuterMrad / mradPerPixel);
        var image = Enumerable.Repeat(r.Positions is null ? 0f : float.NaN, PixelsX * PixelsY).ToArray();
        var one = new double[h * w];
        for (int i = 0; i < grid.Length; i++)
        {
            cancel.ThrowIfCancellationRequested();
            Thinned(grid[i], Keep(dwell[i]), (ulong)_visits[grid[i]]++, one);
            double sum = 0;
            foreach (var span in spans)
            {
                for (int k = 0; k < span.Length; k++)
                {
                    sum += one[span.Start + k];
                }
            }

            image[grid[i]] = (float)sum;
        }

        var title = r.Detector.ToString().ToUpperInvariant();
        return [new EmDataset(title, new DatasetShape([], [PixelsY, PixelsX]), [_scan.Axes[0] with { Navigate = false }, _scan.Axes[1] with { Navigate = false }], DType.Float32,
            new MemoryStorage(MemoryMarshal.AsBytes(image.AsSpan()).ToArray()), new Metadata { Title = title, SignalType = SignalTypes.Image, BeamEnergyKeV = _optics.HighTensionKv })];
    }
}
