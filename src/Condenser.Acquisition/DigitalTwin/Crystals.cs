using System.Numerics;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>An atom of a crystal's basis, in fractional coordinates of the cell.</summary>
/// <param name="Element">Chemical symbol.</param>
/// <param name="X">Fractional x.</param>
/// <param name="Y">Fractional y.</param>
/// <param name="Z">Fractional z.</param>
/// <param name="Occupancy">Site occupancy (0..1).</param>
public sealed record AtomSite(string Element, double X, double Y, double Z, double Occupancy = 1);

/// <summary>A crystal structure: cell (nm, degrees), basis, Debye–Waller factor and mean inner potential.</summary>
/// <param name="Name">Phase name.</param>
/// <param name="A">a (nm).</param>
/// <param name="B">b (nm).</param>
/// <param name="C">c (nm).</param>
/// <param name="Alpha">α (degrees).</param>
/// <param name="Beta">β (degrees).</param>
/// <param name="Gamma">γ (degrees).</param>
/// <param name="Sites">The basis (every atom of the conventional cell).</param>
/// <param name="DebyeWallerA2">Isotropic Debye–Waller factor B (Å²): amplitudes fall as exp(−B s²), s = g/2 in 1/Å.</param>
/// <param name="MeanInnerPotentialV">Mean inner potential (V).</param>
public sealed record CrystalStructure(string Name, double A, double B, double C, double Alpha, double Beta, double Gamma, IReadOnlyList<AtomSite> Sites, double DebyeWallerA2, double MeanInnerPotentialV)
{
    /// <summary>The direct basis in Cartesian nm (a along x, b in the xy plane).</summary>
    internal M3 DirectBasis
    {
        get
        {
            double ca = Math.Cos(Alpha * Math.PI / 180), cb = Math.Cos(Beta * Math.PI / 180), cg = Math.Cos(Gamma * Math.PI / 180), sg = Math.Sin(Gamma * Math.PI / 180);
            var a1 = new V3(A, 0, 0);
            var a2 = new V3(B * cg, B * sg, 0);
            double cx = C * cb, cy = C * (ca - (cb * cg)) / sg;
            var a3 = new V3(cx, cy, Math.Sqrt((C * C) - (cx * cx) - (cy * cy)));
            return M3.FromColumns(a1, a2, a3);
        }
    }

    /// <summary>Cell volume (nm³).</summary>
    public double VolumeNm3 => Math.Abs(DirectBasis.Determinant);

    /// <summary>Atoms per nm³ of each element.</summary>
    public IReadOnlyDictionary<string, double> AtomsPerNm3 => Sites.GroupBy(s => s.Element).ToDictionary(g => g.Key, g => g.Sum(s => s.Occupancy) / VolumeNm3);

    /// <summary>
    /// Structure factor F(hkl) = Σ occ · f(g) · exp(2πi(hx + ky + lz)) · exp(−B s²) with Wentzel scattering
    /// amplitudes (nm), and |g| (1/nm).
    /// </summary>
    public (Complex F, double G) StructureFactor(int h, int k, int l)
    {
        var recip = DirectBasis.Inverse(); // rows are the reciprocal basis vectors (no 2π)
        var g = (h * recip.R0) + (k * recip.R1) + (l * recip.R2);
        double gl = g.Length, sA = gl / 10 / 2, dw = Math.Exp(-DebyeWallerA2 * sA * sA);
        Complex f = 0;
        foreach (var site in Sites)
        {
            double phase = 2 * Math.PI * ((h * site.X) + (k * site.Y) + (l * site.Z));
            f += site.Occupancy * Elements.Get(site.Element).ScatteringAmplitudeNm(gl) * Complex.FromPolarCoordinates(1, phase);
        }

        return (f * dw, gl);
    }

    private static AtomSite[] Fcc(string e) => [new(e, 0, 0, 0), new(e, 0.5, 0.5, 0), new(e, 0.5, 0, 0.5), new(e, 0, 0.5, 0.5)];

    private static AtomSite[] Perovskite(string a, string b) => [new(a, 0, 0, 0), new(b, 0.5, 0.5, 0.5), new("O", 0.5, 0.5, 0), new("O", 0.5, 0, 0.5), new("O", 0, 0.5, 0.5)];

    /// <summary>Gold, fcc, a = 0.40782 nm.</summary>
    public static CrystalStructure Gold { get; } = new("Au", 0.40782, 0.40782, 0.40782, 90, 90, 90, Fcc("Au"), 0.62, 30);

    /// <summary>Aluminium, fcc, a = 0.40495 nm.</summary>
    public static CrystalStructure Aluminium { get; } = new("Al", 0.40495, 0.40495, 0.40495, 90, 90, 90, Fcc("Al"), 0.85, 13);

    /// <summary>Silicon, diamond cubic, a = 0.54309 nm.</summary>
    public static CrystalStructure Silicon { get; } = new("Si", 0.54309, 0.54309, 0.54309, 90, 90, 90,
        Fcc("Si").Concat(Fcc("Si").Select(s => s with { X = s.X + 0.25, Y = s.Y + 0.25, Z = s.Z + 0.25 })).ToArray(), 0.47, 12.1);

    /// <summary>Strontium titanate, cubic perovskite, a = 0.3905 nm.</summary>
    public static CrystalStructure StrontiumTitanate { get; } = new("SrTiO3", 0.3905, 0.3905, 0.3905, 90, 90, 90, Perovskite("Sr", "Ti"), 0.5, 17.6);

    /// <summary>Lanthanum aluminate, pseudo-cubic perovskite, a = 0.3790 nm.</summary>
    public static CrystalStructure LanthanumAluminate { get; } = new("LaAlO3", 0.3790, 0.3790, 0.3790, 90, 90, 90, Perovskite("La", "Al"), 0.45, 19.5);

    /// <summary>θ′-Al2Cu, tetragonal (I-4m2), a = 0.404 nm, c = 0.580 nm.</summary>
    public static CrystalStructure ThetaPrime { get; } = new("θ′-Al2Cu", 0.404, 0.404, 0.580, 90, 90, 90,
        [new("Cu", 0, 0, 0), new("Cu", 0.5, 0.5, 0.5), new("Al", 0, 0.5, 0.25), new("Al", 0.5, 0, 0.25), new("Al", 0, 0.5, 0.75), new("Al", 0.5, 0, 0.75)], 0.8, 16);
}

/// <summary>An orientation: which zone axis looks along the beam, the in-plane rotation and a small tilt away.</summary>
/// <param name="U">Zone axis u.</param>
/// <param name="V">Zone axis v.</param>
/// <param name="W">Zone axis w.</param>
/// <param name="InPlaneRad">Rotation about the beam (rad).</param>
/// <param name="TiltXRad">Tilt away from the zone axis about the image's x axis (rad).</param>
/// <param name="TiltYRad">Tilt about the image's y axis (rad).</param>
public sealed record Orientation(int U, int V, int W, double InPlaneRad, double TiltXRad = 0, double TiltYRad = 0)
{
    /// <summary>Crystal Cartesian → lab (z along the beam) for <paramref name="s"/>, with an extra stage tilt.</summary>
    internal M3 Rotation(CrystalStructure s, double stageAlphaRad = 0, double stageBetaRad = 0)
    {
        var basis = s.DirectBasis;
        var z = (basis * new V3(U, V, W)).Unit;
        // The in-plane reference: the crystal axis least parallel to the zone axis, made perpendicular.
        V3[] axes = [new(1, 0, 0), new(0, 1, 0), new(0, 0, 1)];
        var e = axes.OrderBy(a => Math.Abs(a.Dot(z))).First();
        var x = (e - (e.Dot(z) * z)).Unit;
        var y = z.Cross(x);
        var toLab = new M3(x, y, z);
        return M3.RotationX(TiltXRad + stageAlphaRad) * M3.RotationY(TiltYRad + stageBetaRad) * M3.RotationZ(InPlaneRad) * toLab;
    }

    /// <summary>The zone axis as text, e.g. [011].</summary>
    public override string ToString() => $"[{U}{V}{W}]";
}
