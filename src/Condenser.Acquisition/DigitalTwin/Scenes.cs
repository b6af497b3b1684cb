namespace Condenser.Acquisition.DigitalTwin;

/// <summary>The named scenes of the twin.</summary>
public static class Scenes
{
    /// <summary>The names, in the order <c>twin scenes</c> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["polycrystal", "oxide-interface", "precipitates", "nanoparticles"];

    /// <summary>Builds scene <paramref name="name"/> from <paramref name="seed"/>.</summary>
    public static Scene Create(string name, ulong seed) => name switch
    {
        "polycrystal" => new PolycrystalScene(seed),
        "oxide-interface" => new OxideInterfaceScene(seed),
        "precipitates" => new PrecipitateScene(seed),
        "nanoparticles" => new NanoparticleScene(seed),
        _ => throw new ArgumentException($"no scene '{name}': the twin has {string.Join(", ", Names)}"),
    };

    internal static readonly int[][] CubicZones = [[0, 0, 1], [0, 1, 1], [1, 1, 1], [1, 1, 2]];

    internal static double Between(ulong h, double lo, double hi) => lo + ((hi - lo) * Hash.Unit(h));
}

/// <summary>Gold grains of several zone axes on an amorphous carbon film; a few edge dislocations; vacancies in 2 % of the columns.</summary>
internal sealed class PolycrystalScene : Scene
{
    private readonly Phase _gold, _carbon;
    private readonly Grain[] _grains;
    private readonly (double X, double Y)[] _seeds;

    public PolycrystalScene(ulong seed)
        : base("polycrystal", "gold grains (~200 nm, zone axes [001], [011], [111], [112], some off axis) in islands on a 12 nm amorphous carbon film, with edge dislocations", false, seed)
    {
        _gold = new Phase(1, "Au", CrystalStructure.Gold, null, [0, 1, 1], 5e6, [new PointDefect("Au", null, 0.02)]);
        _carbon = new Phase(2, "amorphous carbon", null, AmorphousMaterial.Carbon, null, 1e5);
        int n = 90;
        _seeds = new (double, double)[n];
        _grains = new Grain[n];
        for (int i = 0; i < n; i++)
        {
            ulong h = Hash.Of(seed, 1, (ulong)i);
            _seeds[i] = (Scenes.Between(Hash.Of(h, 1), -HalfFieldNm, HalfFieldNm), Scenes.Between(Hash.Of(h, 2), -HalfFieldNm, HalfFieldNm));
            var zone = Scenes.CubicZones[(int)(Hash.Of(h, 3) % 4)];
            bool onAxis = Hash.Unit(Hash.Of(h, 4)) < 0.6;
            double tilt = onAxis ? 0 : Scenes.Between(Hash.Of(h, 5), 0.3, 2.0) * Math.PI / 180, dir = Scenes.Between(Hash.Of(h, 6), 0, 2 * Math.PI);
            var o = new Orientation(zone[0], zone[1], zone[2], Scenes.Between(Hash.Of(h, 7), 0, 2 * Math.PI), tilt * Math.Cos(dir), tilt * Math.Sin(dir));
            double t0 = Scenes.Between(Hash.Of(h, 8), 8, 25);
            ulong th = Hash.Of(h, 9);
            _grains[i] = new Grain(i, _gold, o, _seeds[i], Deformation.Identity, (x, y) => t0 * (0.8 + (0.4 * Hash.ValueNoise(th, x, y, 60))), true);
            Features.Add(new SceneFeature("grain", _seeds[i].X, _seeds[i].Y, 0, _gold.Id));
        }

        for (int i = 0; i < 12; i++)
        {
            ulong h = Hash.Of(seed, 2, (ulong)i);
            double x = Scenes.Between(Hash.Of(h, 1), -900, 900), y = Scenes.Between(Hash.Of(h, 2), -900, 900);
            var grain = _grains[Nearest(x, y)];
            // b = a/2 <110>, seen edge-on: 0.288 nm along the grain's in-plane direction.
            double angle = grain.Orientation!.InPlaneRad + (Math.PI / 4);
            AddGlobalField(new EdgeDislocation(x, y, 0.2884 * Math.Cos(angle), 0.2884 * Math.Sin(angle)));
            Features.Add(new SceneFeature("dislocation", x, y, 0.2884, _gold.Id));
        }
    }

    public override IReadOnlyList<Phase> Phases => [_gold, _carbon];

    internal override (Phase Phase, double ThicknessNm)? Support(double x, double y) => Inside(x, y) ? (_carbon, 12) : null;

    internal override int GrainsAt(double x, double y, Span<GrainWeight> into)
    {
        if (!Inside(x, y) || Hash.Fractal(Hash.Of(Seed, 77), x, y, 220) < 0.42)
        {
            return 0;
        }

        into[0] = new GrainWeight(_grains[Nearest(x, y)], 1);
        return 1;
    }

    private int Nearest(double x, double y)
    {
        int best = 0;
        double bd = double.MaxValue;
        for (int i = 0; i < _seeds.Length; i++)
        {
            double dx = x - _seeds[i].X, dy = y - _seeds[i].Y, d = (dx * dx) + (dy * dy);
            if (d < bd)
            {
                bd = d;
                best = i;
            }
        }

        return best;
    }
}

/// <summary>
/// A coherent LaAlO3 film on SrTiO3 [001] (interface at y = 0, film above, y &lt; 0): in-plane the film takes the
/// substrate's spacing (misfit +3.03 % against bulk LaAlO3), out of plane it contracts by Poisson (ν = 0.24),
/// La/Sr and Al/Ti intermix over 0.8 nm; a carbon cap above 40 nm of film; a wedge from 20 to 60 nm thick.
/// </summary>
internal sealed class OxideInterfaceScene : Scene
{
    public const double FilmNm = 40, IntermixNm = 0.8, Poisson = 0.24;
    private readonly Phase _sto, _lao, _carbon;
    private readonly Grain _substrate, _film, _cap;

    public OxideInterfaceScene(ulong seed)
        : base("oxide-interface", "a coherently strained LaAlO3 film (40 nm) on SrTiO3 [001], interface along x at y = 0, intermixed over 0.8 nm, under a carbon cap; wedge 20–60 nm thick", true, seed)
    {
        _sto = new Phase(1, "SrTiO3", CrystalStructure.StrontiumTitanate, null, [0, 0, 1], 2e6, [new PointDefect("Sr", "La", 0.02), new PointDefect("O", null, 0.01)]);
        _lao = new Phase(2, "LaAlO3", CrystalStructure.LanthanumAluminate, null, [0, 0, 1], 2e6);
        _carbon = new Phase(3, "amorphous carbon", null, AmorphousMaterial.Carbon, null, 1e5);
        double misfit = (CrystalStructure.StrontiumTitanate.A / CrystalStructure.LanthanumAluminate.A) - 1;
        MisfitStrain = misfit;
        OutOfPlaneStrain = -2 * Poisson / (1 - Poisson) * misfit;
        double rotation = Scenes.Between(Hash.Of(seed, 3), -0.02, 0.02); // a small miscut of the lamella
        var zone = new Orientation(0, 0, 1, rotation);
        Func<double, double, double> wedge = (x, _) => 20 + (40 * (x + HalfFieldNm) / (2 * HalfFieldNm));
        _substrate = new Grain(0, _sto, zone, (0, 0), Deformation.Identity, wedge, false);
        _film = new Grain(1, _lao, zone, (0, 0), new Deformation(1 + misfit, 0, 0, 1 + OutOfPlaneStrain), wedge, false);
        _cap = new Grain(2, _carbon, null, (0, 0), Deformation.Identity, wedge, false);
        Features.Add(new SceneFeature("interface", 0, 0, HalfFieldNm, _sto.Id));
    }

    /// <summary>In-plane strain of the film against bulk LaAlO3.</summary>
    public double MisfitStrain { get; }

    /// <summary>Out-of-plane strain of the film against bulk LaAlO3.</summary>
    public double OutOfPlaneStrain { get; }

    public override IReadOnlyList<Phase> Phases => [_sto, _lao, _carbon];

    internal override int GrainsAt(double x, double y, Span<GrainWeight> into)
    {
        if (!Inside(x, y))
        {
            return 0;
        }

        if (y < -FilmNm)
        {
            into[0] = new GrainWeight(_cap, 1);
            return 1;
        }

        // Substrate fraction across the interface: ½(1 + erf(y / w)).
        double sub = 0.5 * (1 + MathNet.Numerics.SpecialFunctions.Erf(y / IntermixNm));
        int n = 0;
        if (sub > 1e-4)
        {
            into[n++] = new GrainWeight(_substrate, sub);
        }

        if (sub < 1 - 1e-4)
        {
            into[n++] = new GrainWeight(_film, 1 - sub);
        }

        return n;
    }

}

/// <summary>
/// An aluminium matrix seen down [001] with edge-on θ′-Al2Cu plates on {100} (length 20–120 nm, 1–3 c thick); the
/// plates' misfit along their normal pulls the matrix in: each plate acts as a row of centres of dilatation.
/// </summary>
internal sealed class PrecipitateScene : Scene
{
    public const double Misfit = -0.045;
    private readonly Phase _al, _theta;
    private readonly Grain _matrix;
    private readonly List<(Grain Grain, double X, double Y, double HalfLength, double HalfThickness, bool AlongX)> _plates = [];
    private readonly SpatialGrid<int> _index;

    public PrecipitateScene(ulong seed)
        : base("precipitates", "an Al matrix [001] with edge-on θ′-Al2Cu plates on {100} (20–120 nm long) and the strain fields around them; 40–60 nm thick", true, seed)
    {
        _al = new Phase(1, "Al", CrystalStructure.Aluminium, null, [0, 0, 1], 1e6, [new PointDefect("Al", "Cu", 0.01)]);
        _theta = new Phase(2, "θ′-Al2Cu", CrystalStructure.ThetaPrime, null, [1, 0, 0], 1e6);
        ulong th = Hash.Of(seed, 9);
        Func<double, double, double> thickness = (x, y) => 40 + (20 * Hash.ValueNoise(th, x, y, 400));
        _matrix = new Grain(0, _al, new Orientation(0, 0, 1, 0), (0, 0), Deformation.Identity, thickness, true);
        _index = new SpatialGrid<int>(50, HalfFieldNm);
        double c = CrystalStructure.ThetaPrime.C;
        for (int i = 0, tries = 0; i < 110 && tries < 5000; tries++)
        {
            ulong h = Hash.Of(seed, 4, (ulong)tries);
            double x = Scenes.Between(Hash.Of(h, 1), -950, 950), y = Scenes.Between(Hash.Of(h, 2), -950, 950);
            double half = Scenes.Between(Hash.Of(h, 3), 10, 60), halfT = c * (1 + (int)(Hash.Of(h, 4) % 3)) / 2;
            bool alongX = (Hash.Of(h, 5) & 1) == 0;
            if (_plates.Any(p => Math.Abs(p.X - x) < p.HalfLength + half + 15 && Math.Abs(p.Y - y) < p.HalfLength + half + 15))
            {
                continue;
            }

            // θ′ c axis along the plate's normal: a plate along x has its normal along y.
            var o = alongX ? new Orientation(1, 0, 0, 0) : new Orientation(1, 0, 0, Math.PI / 2);
            var grain = new Grain(1 + i, _theta, o, (x, y), Deformation.Identity, thickness, false);
            _plates.Add((grain, x, y, half, halfT, alongX));
            double hx = alongX ? half : halfT, hy = alongX ? halfT : half;
            _index.Add(i, x - hx, y - hy, x + hx, y + hy);
            int sources = 12;
            double area = Misfit * (2 * half) * (2 * halfT) / sources;
            for (int k = 0; k < sources; k++)
            {
                double at = -half + ((k + 0.5) * 2 * half / sources);
                double sx = alongX ? x + at : x, sy = alongX ? y : y + at;
                AddLocalField(new DilatationCentre(sx, sy, area, CoreNm: 1.0), sx, sy, sx, sy, 150);
            }

            Features.Add(new SceneFeature("precipitate", x, y, half, _theta.Id));
            i++;
        }
    }

    public override IReadOnlyList<Phase> Phases => [_al, _theta];

    internal override int GrainsAt(double x, double y, Span<GrainWeight> into)
    {
        if (!Inside(x, y))
        {
            return 0;
        }

        foreach (int i in _index.At(x, y))
        {
            var p = _plates[i];
            double hx = p.AlongX ? p.HalfLength : p.HalfThickness, hy = p.AlongX ? p.HalfThickness : p.HalfLength;
            if (Math.Abs(x - p.X) <= hx && Math.Abs(y - p.Y) <= hy)
            {
                into[0] = new GrainWeight(p.Grain, 1);
                return 1;
            }
        }

        into[0] = new GrainWeight(_matrix, 1);
        return 1;
    }
}

/// <summary>Gold and silicon nanoparticles (radius 2–20 nm, random orientations near zone axes) on a 10 nm amorphous carbon film.</summary>
internal sealed class NanoparticleScene : Scene
{
    private readonly Phase _gold, _silicon, _carbon;
    private readonly List<(Grain Grain, double X, double Y, double R)> _particles = [];
    private readonly SpatialGrid<int> _index;

    public NanoparticleScene(ulong seed)
        : base("nanoparticles", "gold (radius 2–12 nm) and silicon (5–20 nm) nanoparticles, spherical, near zone axes, on a 10 nm amorphous carbon film", false, seed)
    {
        _gold = new Phase(1, "Au", CrystalStructure.Gold, null, [0, 1, 1], 5e6);
        _silicon = new Phase(2, "Si", CrystalStructure.Silicon, null, [0, 1, 1], 1e6, [new PointDefect("Si", "Au", 0.005)]);
        _carbon = new Phase(3, "amorphous carbon", null, AmorphousMaterial.Carbon, null, 1e5);
        _index = new SpatialGrid<int>(50, HalfFieldNm);
        for (int tries = 0; _particles.Count < 260 && tries < 20000; tries++)
        {
            ulong h = Hash.Of(seed, 5, (ulong)tries);
            bool gold = Hash.Unit(Hash.Of(h, 1)) < 0.7;
            double r = gold ? Scenes.Between(Hash.Of(h, 2), 2, 12) : Scenes.Between(Hash.Of(h, 2), 5, 20);
            double x = Scenes.Between(Hash.Of(h, 3), -980, 980), y = Scenes.Between(Hash.Of(h, 4), -980, 980);
            if (_particles.Any(p => ((p.X - x) * (p.X - x)) + ((p.Y - y) * (p.Y - y)) < (p.R + r + 3) * (p.R + r + 3)))
            {
                continue;
            }

            var zone = Scenes.CubicZones[(int)(Hash.Of(h, 5) % 4)];
            double tilt = Scenes.Between(Hash.Of(h, 6), 0, 3) * Math.PI / 180, dir = Scenes.Between(Hash.Of(h, 7), 0, 2 * Math.PI);
            var o = new Orientation(zone[0], zone[1], zone[2], Scenes.Between(Hash.Of(h, 8), 0, 2 * Math.PI), tilt * Math.Cos(dir), tilt * Math.Sin(dir));
            double px = x, py = y, pr = r;
            var phase = gold ? _gold : _silicon;
            var grain = new Grain(_particles.Count, phase, o, (x, y), Deformation.Identity, (qx, qy) => 2 * Math.Sqrt(Math.Max(0, (pr * pr) - ((qx - px) * (qx - px)) - ((qy - py) * (qy - py)))), false);
            _index.Add(_particles.Count, x - r, y - r, x + r, y + r);
            _particles.Add((grain, x, y, r));
            Features.Add(new SceneFeature("particle", x, y, r, phase.Id));
        }
    }

    public override IReadOnlyList<Phase> Phases => [_gold, _silicon, _carbon];

    internal override (Phase Phase, double ThicknessNm)? Support(double x, double y) => Inside(x, y) ? (_carbon, 10) : null;

    internal override int GrainsAt(double x, double y, Span<GrainWeight> into)
    {
        foreach (int i in _index.At(x, y))
        {
            var p = _particles[i];
            if (((x - p.X) * (x - p.X)) + ((y - p.Y) * (y - p.Y)) < p.R * p.R)
            {
                into[0] = new GrainWeight(p.Grain, 1);
                return 1;
            }
        }

        return 0;
    }
}
