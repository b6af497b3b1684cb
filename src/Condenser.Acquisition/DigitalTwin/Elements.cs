namespace Condenser.Acquisition.DigitalTwin;

/// <summary>An ionisation edge of electron energy-loss spectroscopy.</summary>
/// <param name="Name">Edge name (K, L2,3, M4,5, N6,7).</param>
/// <param name="OnsetEv">Onset energy (eV), as tabulated in the EELS atlases.</param>
/// <param name="Strength">Cross-section at the onset relative to the carbon K edge (per atom).</param>
/// <param name="Exponent">Decay of the cross-section above the onset: σ(E) ∝ (E/onset)^−exponent.</param>
public sealed record EelsEdge(string Name, double OnsetEv, double Strength, double Exponent);

/// <summary>A characteristic X-ray line.</summary>
/// <param name="Name">Line name (Kα, Lα, Mα).</param>
/// <param name="EnergyKeV">Line energy (keV).</param>
/// <param name="Strength">Emission per atom relative to the Cu Kα line at 200 kV (ionisation cross-section × fluorescence yield).</param>
public sealed record XrayLine(string Name, double EnergyKeV, double Strength);

/// <summary>A chemical element as the twin needs it.</summary>
/// <param name="Symbol">Chemical symbol.</param>
/// <param name="Z">Atomic number.</param>
/// <param name="Edges">EELS edges.</param>
/// <param name="Lines">X-ray lines.</param>
public sealed record Element(string Symbol, int Z, IReadOnlyList<EelsEdge> Edges, IReadOnlyList<XrayLine> Lines)
{
    /// <summary>Thomas–Fermi screening radius 0.885·a₀·Z^(−1/3) (nm).</summary>
    public double ScreeningRadiusNm => 0.885 * 0.0529177 * Math.Pow(Z, -1.0 / 3);

    /// <summary>
    /// Electron scattering amplitude of a screened Coulomb (Wentzel) atom in the first Born approximation,
    /// f(g) = 2Z / (a₀ ((2πg)² + R⁻²)), without the relativistic factor (nm).
    /// </summary>
    /// <remarks>Units: <paramref name="gPerNm"/> is the reciprocal-lattice vector's length (1/nm).</remarks>
    public double ScatteringAmplitudeNm(double gPerNm)
    {
        double q = 2 * Math.PI * gPerNm, r = ScreeningRadiusNm;
        return 2 * Z / 0.0529177 / ((q * q) + (1 / (r * r)));
    }
}

/// <summary>
/// The elements of the twin's scenes. Edge onsets and line energies are the tabulated values (Gatan EELS Atlas /
/// eels.info; X-ray data booklet); the strengths are a smooth parameterisation (per atom, relative), enough for maps
/// whose intensity follows composition × thickness.
/// </summary>
public static class Elements
{
    private static readonly Dictionary<string, Element> BySymbol = new Element[]
    {
        new("C", 6, [new("K", 284, 1.0, 3.0)], [new("Kα", 0.277, 0.05)]),
        new("O", 8, [new("K", 532, 0.45, 3.0)], [new("Kα", 0.525, 0.10)]),
        new("Al", 13, [new("L2,3", 73, 2.0, 3.5), new("K", 1560, 0.05, 3.0)], [new("Kα", 1.487, 0.45)]),
        new("Si", 14, [new("L2,3", 99, 1.8, 3.5), new("K", 1839, 0.04, 3.0)], [new("Kα", 1.740, 0.50)]),
        new("Ti", 22, [new("L2,3", 456, 0.9, 3.0)], [new("Kα", 4.511, 0.80), new("Kβ", 4.932, 0.11)]),
        new("Cu", 29, [new("L2,3", 931, 0.45, 3.0)], [new("Kα", 8.048, 1.00), new("Kβ", 8.905, 0.14), new("Lα", 0.930, 0.15)]),
        new("Sr", 38, [new("M4,5", 133, 0.8, 3.5), new("L3", 1940, 0.08, 3.0)], [new("Lα", 1.806, 0.55), new("Kα", 14.165, 0.35)]),
        new("La", 57, [new("M4,5", 832, 1.2, 2.5)], [new("Lα", 4.651, 0.70), new("Lβ", 5.042, 0.40)]),
        new("Au", 79, [new("N6,7", 83, 0.6, 3.5), new("M4,5", 2206, 0.05, 2.5)], [new("Mα", 2.123, 0.60), new("Lα", 9.713, 0.45)]),
    }.ToDictionary(e => e.Symbol);

    /// <summary>The element with <paramref name="symbol"/>.</summary>
    public static Element Get(string symbol) => BySymbol.TryGetValue(symbol, out var e) ? e : throw new ArgumentException($"the twin knows no element '{symbol}'");

    /// <summary>Every element the twin knows.</summary>
    public static IReadOnlyCollection<Element> All => BySymbol.Values;
}
