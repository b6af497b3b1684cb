using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Processing.FourDStem;

namespace Condenser.Acquisition.Autopilot;

/// <summary>
/// The <c>strain</c> target: a 4D-STEM pattern at each probe, its Bragg disks found and its lattice refined
/// (<see cref="LatticeFit"/>, as the strain analysis of a full scan does), the strain against a reference lattice, and one
/// component of it as the mapped value. The disk template and the reference are set once, on the first acquisition
/// whose median (or mean) pattern holds a lattice: the reference is the median lattice of its probes (the seed or survey of a
/// model policy, the first rows of a raster), so a minority of other crystals does not move it — the convention of
/// py4DSTEM and of <c>condenser strain --reference</c>, a region taken as unstrained, with the region chosen by the
/// run. They are kept in <c>strain.json</c> so that a resumed run measures against the same reference.
/// </summary>
public sealed class StrainTarget
{
    /// <summary>The file in the run folder that keeps the calibration.</summary>
    public const string File = "strain.json";

    /// <summary>A fit whose strain or rotation against the reference exceeds this is another crystal or a misindexed pattern: not a number.</summary>
    public const double MaxStrain = 0.1;

    /// <summary>The components a run may map: the largest principal strain in magnitude, εxx, εyy, εxy (dimensionless), the lattice rotation (rad).</summary>
    public static readonly string[] Components = ["magnitude", "exx", "eyy", "exy", "rotation"];

    private static readonly BraggOptions Disks = new(MinSpacing: 5, MinRelativeIntensity: 0.01);
    private readonly string _path;
    private readonly string _component;
    private LatticeFit? _fit;
    private Lattice? _reference;
    private double[]? _sum, _calibration;
    private int _count, _height, _width;

    private StrainTarget(string runDir, string component)
    {
        _path = Path.Combine(runDir, File);
        _component = component;
    }

    /// <summary>The probes whose median lattice is the reference (grid indices); empty until it is set.</summary>
    public IReadOnlyList<int> ReferencePositions { get; private set; } = [];

    /// <summary>The target of the run in <paramref name="runDir"/>, with the calibration it set already when it has one.</summary>
    public static StrainTarget Open(string runDir, AutopilotOptions o)
    {
        var target = new StrainTarget(runDir, o.StrainComponent);
        if (System.IO.File.Exists(target._path))
        {
            var j = JsonNode.Parse(System.IO.File.ReadAllText(target._path))!;
            target._height = (int)j["height"]!;
            target._width = (int)j["width"]!;
            var mean = MemoryMarshal.Cast<byte, double>(Convert.FromBase64String((string)j["calibration_pattern"]!)).ToArray();
            var r = j["reference"]!.AsArray().Select(v => (double)v!).ToArray();
            target._fit = new LatticeFit(mean, target._height, target._width, Disks);
            target._calibration = mean;
            target._reference = new Lattice(r[0], r[1], r[2], r[3], r[4], r[5]);
            target.ReferencePositions = j["reference_positions"]!.AsArray().Select(v => (int)v!).ToArray();
        }

        return target;
    }

    /// <summary>The reference positions of the run in <paramref name="runDir"/> (empty when it set none).</summary>
    public static IReadOnlyList<int> ReferenceOf(string runDir) => System.IO.File.Exists(Path.Combine(runDir, File))
        ? JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(runDir, File)))!["reference_positions"]!.AsArray().Select(v => (int)v!).ToArray()
        : [];

    /// <summary>The acquisition of <paramref name="positions"/>: a pattern at each on the pixelated camera.</summary>
    public static AcquisitionRequest Request(AutopilotOptions o, int[] positions) =>
        new() { Detector = DetectorKind.FourDStem, Scan = o.Scan, Positions = positions, CameraPixels = o.CameraPixels };

    /// <summary>The value of one component of <paramref name="e"/>; the magnitude is max |λ| of the 2-d strain tensor, |εxx + εyy|/2 + √(((εxx − εyy)/2)² + εxy²).</summary>
    public static double Value(Strain e, string component) => component switch
    {
        "exx" => e.Exx,
        "eyy" => e.Eyy,
        "exy" => e.Exy,
        "rotation" => e.Rotation,
        _ => (Math.Abs(e.Exx + e.Eyy) / 2) + Math.Sqrt((((e.Exx - e.Eyy) / 2) * ((e.Exx - e.Eyy) / 2)) + (e.Exy * e.Exy)),
    };

    /// <summary>
    /// The value at each of <paramref name="positions"/> from the acquisition's patterns (in the order of the
    /// positions); not a number where no lattice indexes, where it lies beyond <see cref="MaxStrain"/> of the
    /// reference, and on every probe before a reference is set.
    /// </summary>
    public double[] Values(AcquisitionResult result, int[] positions)
    {
        var ds = result.Datasets[0];
        if (ds.Shape.Signal.Count != 2 || ds.FrameCount != positions.Length)
        {
            throw new InvalidDataException($"the microscope answered {ds.FrameCount} frames of {string.Join("×", ds.Shape.Signal)} for {positions.Length} positions: a strain run needs a diffraction pattern at each");
        }

        _height = ds.Shape.Signal[0];
        _width = ds.Shape.Signal[1];
        var frames = new double[positions.Length][];
        var raw = new byte[ds.FrameBytes];
        for (int i = 0; i < positions.Length; i++)
        {
            ds.ReadFrame(i, raw);
            frames[i] = new double[_height * _width];
            ds.DType.AddTo(raw, frames[i]);
        }

        var values = Enumerable.Repeat(double.NaN, positions.Length).ToArray();
        if (_fit is null && !Calibrate(frames))
        {
            return values;
        }

        var lattices = frames.Select(f => _fit!.Fit(_fit.Finder.Find(f))).ToArray();
        if (_reference is null)
        {
            _reference = Lattice.Median(lattices);
            ReferencePositions = positions.Where((_, i) => lattices[i] is not null).ToArray();
            Save();
        }

        for (int i = 0; i < positions.Length; i++)
        {
            if (lattices[i]?.StrainRelativeTo(_reference!) is { } e
                && Math.Max(Math.Max(Math.Abs(e.Exx), Math.Abs(e.Eyy)), Math.Max(Math.Abs(e.Exy), Math.Abs(e.Rotation))) <= MaxStrain)
            {
                values[i] = Value(e, _component);
            }
        }

        return values;
    }

    /// <summary>
    /// Sets the disk template and the base lattice from the batch's median pattern — which the extra disks of a
    /// minority crystal (a plate's superlattice) do not enter, so its shorter spacings cannot become the base — or,
    /// where the median holds no lattice (too few counts per pixel), from the mean of every pattern so far; false while
    /// neither does.
    /// </summary>
    private bool Calibrate(double[][] frames)
    {
        _sum ??= new double[_height * _width];
        foreach (var f in frames)
        {
            for (int k = 0; k < f.Length; k++)
            {
                _sum[k] += f[k];
            }
        }

        _count += frames.Length;
        var median = new double[_sum.Length];
        var column = new double[frames.Length];
        for (int k = 0; k < median.Length; k++)
        {
            for (int i = 0; i < frames.Length; i++)
            {
                column[i] = frames[i][k];
            }

            Array.Sort(column);
            median[k] = column.Length % 2 == 1 ? column[column.Length / 2] : (column[(column.Length / 2) - 1] + column[column.Length / 2]) / 2;
        }

        foreach (var pattern in new[] { median, _sum.Select(v => v / _count).ToArray() })
        {
            try
            {
                _fit = new LatticeFit(pattern, _height, _width, Disks);
                _calibration = pattern;
                return true;
            }
            catch (ArgumentException)
            {
            }
        }

        return false;
    }

    private void Save()
    {
        var r = _reference!;
        var j = new JsonObject
        {
            ["height"] = _height,
            ["width"] = _width,
            ["calibration_pattern"] = Convert.ToBase64String(MemoryMarshal.AsBytes(_calibration.AsSpan())),
            ["reference"] = new JsonArray(r.OriginY, r.OriginX, r.G1Y, r.G1X, r.G2Y, r.G2X),
            ["reference_positions"] = new JsonArray(ReferencePositions.Select(p => (JsonNode)p).ToArray()),
            ["min_spacing_px"] = Disks.MinSpacing,
            ["min_relative_intensity"] = Disks.MinRelativeIntensity,
        };
        string temp = _path + ".tmp";
        System.IO.File.WriteAllText(temp, j.ToJsonString());
        System.IO.File.Move(temp, _path, overwrite: true);
    }

    /// <summary>
    /// The twin's truth of the component on the grid, in the run's convention: the strain against the median of the
    /// truth over <paramref name="referencePositions"/>, where the phase is the reference's (the most common crystal
    /// there); not a number on other phases (the twin's strain of another crystal is against that crystal's own
    /// lattice, not the reference's, so it is not scored).
    /// </summary>
    public static double[] Truth(Scene scene, AutopilotOptions o, IReadOnlyList<int> referencePositions)
    {
        var scan = o.Scan;
        var truth = new TruthSample[o.Grid * o.Grid];
        for (int i = 0; i < truth.Length; i++)
        {
            var (x, y) = scan.Point(i / o.Grid, i % o.Grid);
            truth[i] = GroundTruth.At(scene, x, y);
        }

        var map = Enumerable.Repeat(double.NaN, truth.Length).ToArray();
        var at = referencePositions.Select(p => truth[p]).Where(t => t.PhaseId != 0).ToList();
        if (at.Count == 0)
        {
            return map;
        }

        int phase = at.GroupBy(t => t.PhaseId).OrderByDescending(g => g.Count()).First().Key;
        var same = at.Where(t => t.PhaseId == phase).ToList();
        double Median(Func<TruthSample, double> f) => MathNet.Numerics.Statistics.Statistics.Median(same.Select(f));

        double rx = Median(t => t.Exx), ry = Median(t => t.Eyy), rxy = Median(t => t.Exy), rr = Median(t => t.RotationRad);
        for (int i = 0; i < truth.Length; i++)
        {
            if (truth[i].PhaseId == phase)
            {
                map[i] = Value(new Strain(truth[i].Exx - rx, truth[i].Eyy - ry, truth[i].Exy - rxy, truth[i].RotationRad - rr), o.StrainComponent);
            }
        }

        return map;
    }
}
