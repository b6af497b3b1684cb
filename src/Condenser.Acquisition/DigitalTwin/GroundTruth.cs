using System.Runtime.InteropServices;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>What the sample is at one point.</summary>
/// <param name="PhaseId">Phase id (0: vacuum; see <see cref="Scene.Phases"/>).</param>
/// <param name="Exx">Strain εxx against the phase's bulk lattice (NaN where there is no crystal).</param>
/// <param name="Eyy">Strain εyy.</param>
/// <param name="Exy">Shear strain εxy.</param>
/// <param name="RotationRad">Lattice rotation by the strain fields (rad; the strain analysis' sign).</param>
/// <param name="ThicknessNm">Thickness of the specimen, support included (nm).</param>
/// <param name="Fractions">Atomic fraction of each element.</param>
public sealed record TruthSample(int PhaseId, double Exx, double Eyy, double Exy, double RotationRad, double ThicknessNm, IReadOnlyDictionary<string, double> Fractions);

/// <summary>
/// The ground truth of a scene: phase, strain, rotation, thickness and composition at any point, and the
/// noise-free HAADF image. For tests and benchmarks only: a planner gets none of it through <see cref="IMicroscope"/>.
/// </summary>
public static class GroundTruth
{
    /// <summary>Titles of the truth maps.</summary>
    public const string Phase = "phase", Exx = "strain exx", Eyy = "strain eyy", Exy = "strain exy", Rotation = "rotation", Thickness = "thickness", Haadf = "haadf";

    /// <summary>The truth at (x, y) (nm from the scene's centre).</summary>
    public static TruthSample At(Scene scene, double x, double y)
    {
        var pair = default(GrainPair);
        Span<GrainWeight> grains = pair;
        int n = scene.GrainsAt(x, y, grains);
        GrainWeight? main = null;
        for (int i = 0; i < n; i++)
        {
            if (main is null || grains[i].Weight > main.Value.Weight)
            {
                main = grains[i];
            }
        }

        var physics = new Physics(scene, new TwinOptions().InitialOptics, StagePosition.Origin, Probe, null);
        var (areal, thickness) = physics.Composition(x, y);
        double total = areal.Values.Sum();
        var fractions = areal.ToDictionary(kv => kv.Key, kv => total > 0 ? kv.Value / total : 0);
        int phase = main?.Grain.Phase.Id ?? (scene.Support(x, y)?.Phase.Id ?? 0);
        if (main is not { Grain.Phase.Crystal: not null } m)
        {
            return new TruthSample(phase, double.NaN, double.NaN, double.NaN, double.NaN, thickness, fractions);
        }

        var f = m.Grain.Homogeneous;
        if (m.Grain.StrainedByFields)
        {
            f = f.Then(scene.FieldsAt(x, y).F);
        }

        return new TruthSample(phase, f.Exx, f.Eyy, f.Exy, f.Rotation, thickness, fractions);
    }

    /// <summary>The point defects in the box (x0..x1, y0..y1) (nm): the column, the host and what replaced it (null: a vacancy).</summary>
    public static List<(double X, double Y, string Host, string? Substitute)> PointDefects(Scene scene, double x0, double y0, double x1, double y1, int max = 100_000)
    {
        var found = new List<(double, double, string, string?)>();
        var grains = new HashSet<Grain>();
        var pair = default(GrainPair);
        for (double y = y0; y <= y1; y += Math.Max((y1 - y0) / 64, 0.05))
        {
            for (double x = x0; x <= x1; x += Math.Max((x1 - x0) / 64, 0.05))
            {
                Span<GrainWeight> at = pair;
                int n = scene.GrainsAt(x, y, at);
                for (int i = 0; i < n; i++)
                {
                    grains.Add(at[i].Grain);
                }
            }
        }

        foreach (var g in grains)
        {
            if (g.Phase.Defects is not { Count: > 0 } defects || g.Cell is not { } cell)
            {
                continue;
            }

            // Every cell whose columns may fall in the box: the box's corners in cell coordinates.
            var (a, b, c, d) = cell.Inverse;
            var corners = new[] { (x0, y0), (x1, y0), (x0, y1), (x1, y1) }.Select(p => ((a * (p.Item1 - g.Anchor.X)) + (b * (p.Item2 - g.Anchor.Y)), (c * (p.Item1 - g.Anchor.X)) + (d * (p.Item2 - g.Anchor.Y)))).ToArray();
            int i0 = (int)Math.Floor(corners.Min(q => q.Item1)) - 1, i1 = (int)Math.Ceiling(corners.Max(q => q.Item1)) + 1;
            int j0 = (int)Math.Floor(corners.Min(q => q.Item2)) - 1, j1 = (int)Math.Ceiling(corners.Max(q => q.Item2)) + 1;
            for (int i = i0; i <= i1 && found.Count < max; i++)
            {
                for (int j = j0; j <= j1 && found.Count < max; j++)
                {
                    for (int k = 0; k < cell.Columns.Length; k++)
                    {
                        var col = cell.Columns[k];
                        double u = i + col.F1, v = j + col.F2;
                        double x = g.Anchor.X + (u * cell.P1.X) + (v * cell.P2.X), y = g.Anchor.Y + (u * cell.P1.Y) + (v * cell.P2.Y);
                        if (x < x0 || x > x1 || y < y0 || y > y1)
                        {
                            continue;
                        }

                        Span<GrainWeight> here = pair;
                        int n = scene.GrainsAt(x, y, here);
                        bool inside = false;
                        for (int q = 0; q < n; q++)
                        {
                            inside |= here[q].Grain == g;
                        }

                        for (int e = 0; inside && e < defects.Count; e++)
                        {
                            if (Physics.IsDefect(scene.Seed, g, col, i, j, k, e, defects[e]))
                            {
                                found.Add((x, y, defects[e].Host, defects[e].Substitute));
                            }
                        }
                    }
                }
            }
        }

        return found;
    }

    private static ProbeProfile Probe => LazyProbe.Value;

    private static readonly Lazy<ProbeProfile> LazyProbe = new(() => new ProbeProfile(200, 20, 0));

    /// <summary>
    /// The truth maps on a grid of <paramref name="pixels"/>² over <paramref name="fovNm"/> centred at
    /// (<paramref name="centerX"/>, <paramref name="centerY"/>): phase, strain, rotation, thickness, one
    /// <c>composition ELEMENT</c> per element, and the noise-free HAADF of an ideal twin at the default optics and
    /// <paramref name="dwellUs"/>.
    /// </summary>
    public static async Task<List<EmDataset>> MapsAsync(TwinOptions options, double centerX, double centerY, double fovNm, int pixels, double dwellUs, CancellationToken cancel = default, OpticsChange? optics = null)
    {
        var scan = new ScanSettings(centerX, centerY, fovNm, pixels, pixels, dwellUs);
        var (haadf, scene, instrument) = await IdealHaadfAsync(options, scan, optics, cancel).ConfigureAwait(false);
        int count = pixels * pixels;
        var maps = new Dictionary<string, float[]>();
        foreach (var t in new[] { Phase, Exx, Eyy, Exy, Rotation, Thickness })
        {
            maps[t] = new float[count];
        }

        var elements = new SortedSet<string>(scene.Phases.SelectMany(p => p.Crystal?.Sites.Select(s => s.Element) ?? [p.Amorphous!.Element]), StringComparer.Ordinal);
        foreach (var e in elements)
        {
            maps[$"composition {e}"] = new float[count];
        }

        Parallel.For(0, pixels, new ParallelOptions { CancellationToken = cancel }, row =>
        {
            for (int col = 0; col < pixels; col++)
            {
                var (x, y) = scan.Point(row, col);
                var s = At(scene, x, y);
                int k = (row * pixels) + col;
                maps[Phase][k] = s.PhaseId;
                maps[Exx][k] = (float)s.Exx;
                maps[Eyy][k] = (float)s.Eyy;
                maps[Exy][k] = (float)s.Exy;
                maps[Rotation][k] = (float)s.RotationRad;
                maps[Thickness][k] = (float)s.ThicknessNm;
                foreach (var e in elements)
                {
                    maps[$"composition {e}"][k] = (float)s.Fractions.GetValueOrDefault(e);
                }
            }
        });

        var axes = haadf.Datasets[0].Axes;
        var list = maps.Select(kv => new EmDataset(kv.Key, new DatasetShape([], [pixels, pixels]), axes, DType.Float32,
            new MemoryStorage(MemoryMarshal.AsBytes(kv.Value.AsSpan()).ToArray()),
            new Metadata { Title = kv.Key, SignalType = SignalTypes.Image, Instrument = instrument })).ToList();
        var h = haadf.Datasets[0];
        list.Add(new EmDataset(Haadf, h.Shape, h.Axes, h.DType, new MemoryStorage(h.ReadAll()), h.Metadata.Clone() is var m ? SetTitle(m, Haadf) : null, h.OriginalMetadata));
        return list;
    }

    /// <summary>
    /// Only the noise-free HAADF of <see cref="MapsAsync"/> (row-major, <paramref name="pixels"/>² values in the units
    /// <c>acquire --mode haadf</c> gives), without the other maps: what a run's map is scored against.
    /// </summary>
    public static async Task<double[]> HaadfAsync(TwinOptions options, double centerX, double centerY, double fovNm, int pixels, double dwellUs, OpticsChange? optics = null, CancellationToken cancel = default)
    {
        var (haadf, _, _) = await IdealHaadfAsync(options, new ScanSettings(centerX, centerY, fovNm, pixels, pixels, dwellUs), optics, cancel).ConfigureAwait(false);
        return MemoryMarshal.Cast<byte, float>(haadf.Datasets[0].ReadAll()).ToArray().Select(v => (double)v).ToArray();
    }

    private static async Task<(AcquisitionResult Haadf, Scene Scene, string Instrument)> IdealHaadfAsync(TwinOptions options, ScanSettings scan, OpticsChange? optics, CancellationToken cancel)
    {
        await using var twin = new DigitalTwin(options.Ideal());
        if (optics is not null)
        {
            await twin.SetOpticsAsync(optics, cancel).ConfigureAwait(false);
        }

        var haadf = await twin.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.Haadf, Scan = scan }, null, cancel).ConfigureAwait(false);
        return (haadf, twin.Scene, twin.Description.Name);
    }

    private static Metadata SetTitle(Metadata m, string title)
    {
        m.Title = title;
        return m;
    }
}
