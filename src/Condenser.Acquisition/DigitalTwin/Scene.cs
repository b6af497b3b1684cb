using System.Collections.Concurrent;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>An amorphous material (a support film, a cap).</summary>
/// <param name="Element">Its element.</param>
/// <param name="AtomsPerNm3">Number density (atoms/nm³).</param>
/// <param name="MeanInnerPotentialV">Mean inner potential (V).</param>
public sealed record AmorphousMaterial(string Element, double AtomsPerNm3, double MeanInnerPotentialV)
{
    /// <summary>Amorphous carbon, 2.0 g/cm³.</summary>
    public static AmorphousMaterial Carbon { get; } = new("C", 100, 9);
}

/// <summary>A point defect of a crystal: in a fraction of the columns holding <paramref name="Host"/>, one of its atoms is replaced by <paramref name="Substitute"/> (null: a vacancy).</summary>
/// <param name="Host">The element replaced.</param>
/// <param name="Substitute">The element that takes its place; null for a vacancy.</param>
/// <param name="ColumnFraction">Fraction of the host's columns with one such defect (0..1).</param>
public sealed record PointDefect(string Host, string? Substitute, double ColumnFraction)
{
    /// <summary>Change of the column's Σ Z^1.7 (one atom).</summary>
    internal double Delta => (Substitute is null ? 0 : Math.Pow(Elements.Get(Substitute).Z, ProjectedCell.ZExponent)) - Math.Pow(Elements.Get(Host).Z, ProjectedCell.ZExponent);
}

/// <summary>A phase of a scene: a crystal seen down a zone axis, or an amorphous material.</summary>
/// <param name="Id">Integer id of the phase in the truth's phase map (0 is vacuum).</param>
/// <param name="Name">Name.</param>
/// <param name="Crystal">The structure; null for an amorphous phase.</param>
/// <param name="Amorphous">The amorphous material; null for a crystal.</param>
/// <param name="ZoneAxis">The zone axis most of this phase is seen along (u, v, w); null when amorphous.</param>
/// <param name="DamageThresholdEPerA2">Accumulated dose above which the structure degrades (e⁻/Å²).</param>
/// <param name="Defects">Its point defects.</param>
public sealed record Phase(int Id, string Name, CrystalStructure? Crystal, AmorphousMaterial? Amorphous, int[]? ZoneAxis, double DamageThresholdEPerA2, IReadOnlyList<PointDefect>? Defects = null);

/// <summary>Something of interest in a scene, for the ground truth.</summary>
/// <param name="Kind">precipitate, particle, dislocation, grain, interface.</param>
/// <param name="XNm">x (nm from the scene's centre).</param>
/// <param name="YNm">y (nm).</param>
/// <param name="SizeNm">Radius or half-length (nm).</param>
/// <param name="PhaseId">Phase of the feature.</param>
public sealed record SceneFeature(string Kind, double XNm, double YNm, double SizeNm, int PhaseId);

/// <summary>One crystallite (a grain, a film, a particle, a precipitate): a phase, an orientation, a lattice anchor, a homogeneous strain and a thickness.</summary>
internal sealed class Grain
{
    private readonly ConcurrentDictionary<(double Kv, double Alpha, double Beta), Reflection[]> _reflections = new();
    private ProjectedCell? _cell;

    public Grain(int index, Phase phase, Orientation? orientation, (double X, double Y) anchor, Deformation homogeneous, Func<double, double, double> thickness, bool strainedByFields)
    {
        Index = index;
        Phase = phase;
        Orientation = orientation;
        Anchor = anchor;
        Homogeneous = homogeneous;
        Thickness = thickness;
        StrainedByFields = strainedByFields;
    }

    public int Index { get; }

    public Phase Phase { get; }

    public Orientation? Orientation { get; }

    public (double X, double Y) Anchor { get; }

    public Deformation Homogeneous { get; }

    public Func<double, double, double> Thickness { get; }

    public bool StrainedByFields { get; }

    public ProjectedCell? Cell => Phase.Crystal is null ? null : _cell ??= ProjectedCell.Build(Phase.Crystal, Orientation!, Homogeneous);

    public Reflection[] Reflections(double kv, double alphaDeg, double betaDeg)
        => Phase.Crystal is null ? [] : _reflections.GetOrAdd((kv, alphaDeg, betaDeg), k => Diffraction.Reflections(Phase.Crystal, Orientation!, k.Kv, k.Alpha * Math.PI / 180, k.Beta * Math.PI / 180));
}

/// <summary>A grain present at a point, with its weight (1 inside, a fraction across a graded interface).</summary>
internal readonly record struct GrainWeight(Grain Grain, double Weight);

/// <summary>
/// A sample: a field of <see cref="HalfFieldNm"/>·2 nm square centred on (0, 0), x across and y down, generated from a
/// seed; the atomic detail is computed where the probe looks. Outside the field is vacuum.
/// </summary>
public abstract class Scene
{
    private readonly List<IDisplacementField> _globalFields = [];
    private SpatialGrid<IDisplacementField>? _localFields;

    /// <summary>Creates a scene from its seed.</summary>
    protected Scene(string name, string description, bool strained, ulong seed)
    {
        Name = name;
        Description = description;
        Strained = strained;
        Seed = seed;
    }

    /// <summary>Name (polycrystal, oxide-interface, precipitates, nanoparticles).</summary>
    public string Name { get; }

    /// <summary>What the scene shows.</summary>
    public string Description { get; }

    /// <summary>True when the scene carries strain fields worth mapping.</summary>
    public bool Strained { get; }

    /// <summary>The seed it was generated from.</summary>
    public ulong Seed { get; }

    /// <summary>Half the width of the field (nm).</summary>
    public double HalfFieldNm { get; protected init; } = 1000;

    /// <summary>Its phases.</summary>
    public abstract IReadOnlyList<Phase> Phases { get; }

    /// <summary>Features of interest (ground truth).</summary>
    public List<SceneFeature> Features { get; } = [];

    /// <summary>The amorphous support under everything (null: none).</summary>
    internal virtual (Phase Phase, double ThicknessNm)? Support(double x, double y) => null;

    /// <summary>Writes the grains at (x, y) into <paramref name="into"/> (at most 2) and returns how many.</summary>
    internal abstract int GrainsAt(double x, double y, Span<GrainWeight> into);

    /// <summary>A field that acts everywhere on grains strained by fields.</summary>
    private protected void AddGlobalField(IDisplacementField f) => _globalFields.Add(f);

    /// <summary>A field that acts within <paramref name="reachNm"/> of its box.</summary>
    private protected void AddLocalField(IDisplacementField f, double x0, double y0, double x1, double y1, double reachNm)
    {
        _localFields ??= new SpatialGrid<IDisplacementField>(100, HalfFieldNm);
        _localFields.Add(f, x0 - reachNm, y0 - reachNm, x1 + reachNm, y1 + reachNm);
    }

    /// <summary>The displacement (nm) and deformation gradient of the fields at (x, y).</summary>
    internal (double Ux, double Uy, Deformation F) FieldsAt(double x, double y)
    {
        double ux = 0, uy = 0;
        var f = Deformation.Identity;
        foreach (var field in _globalFields)
        {
            field.Add(x, y, ref ux, ref uy, ref f);
        }

        if (_localFields is not null)
        {
            foreach (var field in _localFields.At(x, y))
            {
                field.Add(x, y, ref ux, ref uy, ref f);
            }
        }

        return (ux, uy, f);
    }

    /// <summary>True when (x, y) lies inside the field.</summary>
    internal bool Inside(double x, double y) => Math.Abs(x) <= HalfFieldNm && Math.Abs(y) <= HalfFieldNm;
}

/// <summary>Room for the (at most two) grains at a point, on the stack.</summary>
[System.Runtime.CompilerServices.InlineArray(2)]
internal struct GrainPair
{
    private GrainWeight _first;
}
