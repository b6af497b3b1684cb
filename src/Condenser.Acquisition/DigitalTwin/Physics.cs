using Condenser.Acquisition.Instrument;
using Condenser.Processing.FourDStem;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>A disk of a convergent-beam pattern on the camera: centre and radius (camera pixels), electrons in it.</summary>
internal readonly record struct PatternDisk(double Row, double Column, double Radius, double Electrons);

/// <summary>
/// A convergent-beam pattern: disks (the direct beam and the Bragg reflections) and the diffuse (thermal and
/// incoherent) scattering, a screened-Rutherford profile p(θ) ∝ θ₀² / (θ² + θ₀²)² about the direct beam.
/// </summary>
internal sealed class Pattern
{
    public List<PatternDisk> Disks { get; } = [];

    public double DiffuseElectrons { get; set; }

    public double DiffuseRow { get; set; }

    public double DiffuseColumn { get; set; }

    public double ThetaZeroPx { get; set; }

    /// <summary>Where the optical axis meets the camera (pixels).</summary>
    public double AxisRow { get; set; }

    /// <summary>Where the optical axis meets the camera (pixels).</summary>
    public double AxisColumn { get; set; }

    public void Clear()
    {
        Disks.Clear();
        DiffuseElectrons = 0;
    }
}

/// <summary>
/// The physics of the twin for one optics setting: incoherent HAADF imaging (Z^1.7 columns convolved with the
/// probe), convergent-beam patterns from kinematic structure factors with two-beam intensities and excitation errors,
/// beam deflection by the projected potential, EELS and EDS from the local composition.
/// </summary>
internal sealed class Physics
{
    /// <summary>Diffuse (thermal + incoherent) cross-section of a gold atom (nm²); other atoms scale as (Z/79)^1.7.</summary>
    public const double GoldDiffuseCrossSectionNm2 = 1.3e-4;

    /// <summary>Inelastic mean free path at 200 kV (nm).</summary>
    public const double InelasticMeanFreePathNm = 120;

    private readonly Scene _scene;
    private readonly DoseMap? _dose;
    private readonly double _sigmaPerWeight;
    private readonly double _cameraSin, _cameraCos;

    public Physics(Scene scene, OpticsState optics, StagePosition stage, ProbeProfile probe, DoseMap? dose, double cameraRotationRad = 0)
    {
        (_cameraSin, _cameraCos) = Math.SinCos(cameraRotationRad);
        _scene = scene;
        _dose = dose;
        Optics = optics;
        Stage = stage;
        Probe = probe;
        LambdaNm = DetectorCalibration.ElectronWavelengthNm(optics.HighTensionKv);
        ThetaZeroRad = LambdaNm / (2 * Math.PI * 0.0100);
        _sigmaPerWeight = GoldDiffuseCrossSectionNm2 / Math.Pow(79, ProjectedCell.ZExponent);
        DeflectionPerPotentialGradient = LambdaNm * Diffraction.InteractionConstant(optics.HighTensionKv) / (2 * Math.PI);
    }

    public OpticsState Optics { get; }

    /// <summary>The highest spatial frequency the probe's intensity carries, 2α/λ (1/nm).</summary>
    public double TransferCutoffPerNm => 2 * Optics.ConvergenceMrad * 1e-3 / LambdaNm;

    public StagePosition Stage { get; }

    public ProbeProfile Probe { get; }

    public double LambdaNm { get; }

    /// <summary>Characteristic angle of the diffuse scattering (rad).</summary>
    public double ThetaZeroRad { get; }

    /// <summary>Beam deflection (rad) per V of projected-potential gradient (V·nm / nm).</summary>
    public double DeflectionPerPotentialGradient { get; }

    /// <summary>Structural order left at (x, y) by the dose received so far (1 intact, 0 amorphised).</summary>
    public double Order(Phase phase, double x, double y)
    {
        if (_dose is null)
        {
            return 1;
        }

        double d = _dose.At(x, y) - phase.DamageThresholdEPerA2;
        return d <= 0 ? 1 : Math.Exp(-d / phase.DamageThresholdEPerA2);
    }

    /// <summary>
    /// The exponent n·σ of the diffuse scattering with the probe at (x, y): the probe-weighted sum over atomic
    /// columns of Z^1.7 × atoms per area, amorphous material as its mean with a fine texture.
    /// </summary>
    public double DiffuseExponent(double x, double y) => DiffuseExponent(x, y, null);

    private double DiffuseExponent(double x, double y, (double Ux, double Uy, Deformation F)? fields)
    {
        var pair = default(GrainPair);
        Span<GrainWeight> grains = pair;
        int n = _scene.GrainsAt(x, y, grains);
        double sum = 0;
        double ux = 0, uy = 0;
        bool fieldsDone = false;
        for (int i = 0; i < n; i++)
        {
            var g = grains[i].Grain;
            double t = g.Thickness(x, y);
            if (t <= 0)
            {
                continue;
            }

            if (g.Phase.Amorphous is { } am)
            {
                sum += grains[i].Weight * Amorphous(am, t, x, y);
                continue;
            }

            if (g.StrainedByFields && !fieldsDone)
            {
                (ux, uy, _) = fields ?? _scene.FieldsAt(x, y);
                fieldsDone = true;
            }

            var cell = g.Cell!;
            double mean = cell.MeanScatteringPerNm3 * t;
            if (cell.LowestFrequency > TransferCutoffPerNm || Probe.RadiusNm * cell.LowestFrequency > 50)
            {
                // The probe's intensity passes no spatial frequency above 2α/λ: it sees the lattice's mean exactly. A
                // probe spread over more than fifty lattice spacings (far from focus) sees it to within its edge.
                sum += grains[i].Weight * mean;
                continue;
            }

            double px = x - g.Anchor.X - (g.StrainedByFields ? ux : 0), py = y - g.Anchor.Y - (g.StrainedByFields ? uy : 0);
            double columns = ColumnSum(g, cell, px, py, t);
            double order = Order(g.Phase, x, y);
            if (order < 1)
            {
                columns = (order * columns) + ((1 - order) * mean);
            }

            sum += grains[i].Weight * columns;
        }

        if (_scene.Support(x, y) is { } support && support.Phase.Amorphous is { } film)
        {
            sum += Amorphous(film, support.ThicknessNm, x, y);
        }

        return sum * _sigmaPerWeight;
    }

    private double Amorphous(AmorphousMaterial m, double t, double x, double y)
        => m.AtomsPerNm3 * t * Math.Pow(Elements.Get(m.Element).Z, ProjectedCell.ZExponent) * (0.8 + (0.4 * Hash.ValueNoise(_scene.Seed ^ 0xA11, x, y, 0.12)));

    /// <summary>
    /// Σ over columns of their Z^1.7 content through <paramref name="t"/> nm, point defects included, × the probe's
    /// intensity at (px, py) relative to the grain's anchor (Z^1.7 per nm²).
    /// </summary>
    private double ColumnSum(Grain grain, ProjectedCell cell, double px, double py, double t)
    {
        var (a, b, c, d) = cell.Inverse;
        double f1 = (a * px) + (b * py), f2 = (c * px) + (d * py);
        double r = Probe.RadiusNm, r2max = r * r;
        int m1 = (int)Math.Ceiling(r * Math.Sqrt((a * a) + (b * b))) + 1, m2 = (int)Math.Ceiling(r * Math.Sqrt((c * c) + (d * d))) + 1;
        int n1 = (int)Math.Floor(f1), n2 = (int)Math.Floor(f2);
        var (p1x, p1y) = cell.P1;
        var (p2x, p2y) = cell.P2;
        double sum = 0;
        var columns = cell.Columns;
        var defects = grain.Phase.Defects;
        for (int i = n1 - m1; i <= n1 + m1; i++)
        {
            for (int j = n2 - m2; j <= n2 + m2; j++)
            {
                for (int k = 0; k < columns.Length; k++)
                {
                    var col = columns[k];
                    double u = i + col.F1, v = j + col.F2;
                    double dx = px - ((u * p1x) + (v * p2x)), dy = py - ((u * p1y) + (v * p2y));
                    double d2 = (dx * dx) + (dy * dy);
                    if (d2 < r2max)
                    {
                        double w = col.ScatteringPerNm * t;
                        if (defects is not null)
                        {
                            w += DefectDelta(_scene.Seed, grain, col, i, j, k, defects);
                        }

                        sum += w * Probe.At(d2);
                    }
                }
            }
        }

        return sum;
    }

    /// <summary>What the point defects of column <paramref name="k"/> of cell (i, j) change in its Σ Z^1.7 (one atom per defect).</summary>
    internal static double DefectDelta(ulong seed, Grain grain, Column col, int i, int j, int k, IReadOnlyList<PointDefect> defects)
    {
        double delta = 0;
        for (int n = 0; n < defects.Count; n++)
        {
            if (IsDefect(seed, grain, col, i, j, k, n, defects[n]))
            {
                delta += defects[n].Delta;
            }
        }

        return delta;
    }

    /// <summary>True when column <paramref name="k"/> of cell (i, j) of <paramref name="grain"/> carries point defect <paramref name="n"/> (drawn from the seed).</summary>
    internal static bool IsDefect(ulong seed, Grain grain, Column col, int i, int j, int k, int n, PointDefect defect)
        => Array.IndexOf(col.Elements, defect.Host) >= 0
            && Hash.Unit(Hash.Of(Hash.Of(seed, (ulong)grain.Index + 1, (ulong)(long)i, (ulong)(long)j), (ulong)k, (ulong)n)) < defect.ColumnFraction;

    /// <summary>The projected potential V·t at (x, y) (V·nm), without atomic detail.</summary>
    public double ProjectedPotential(double x, double y)
    {
        var pair = default(GrainPair);
        Span<GrainWeight> grains = pair;
        int n = _scene.GrainsAt(x, y, grains);
        double v = 0;
        for (int i = 0; i < n; i++)
        {
            var g = grains[i].Grain;
            double mip = g.Phase.Crystal?.MeanInnerPotentialV ?? g.Phase.Amorphous!.MeanInnerPotentialV;
            v += grains[i].Weight * mip * Math.Max(0, g.Thickness(x, y));
        }

        if (_scene.Support(x, y) is { } s)
        {
            v += s.Phase.Amorphous!.MeanInnerPotentialV * s.ThicknessNm;
        }

        return v;
    }

    /// <summary>The beam's deflection by the projected potential's gradient, averaged over the probe (rad, x and y).</summary>
    public (double X, double Y) Deflection(double x, double y)
    {
        double h = Math.Max(Probe.FwhmNm, 0.1);
        double gx = (ProjectedPotential(x + h, y) - ProjectedPotential(x - h, y)) / (2 * h);
        double gy = (ProjectedPotential(x, y + h) - ProjectedPotential(x, y - h)) / (2 * h);
        return (DeflectionPerPotentialGradient * gx, DeflectionPerPotentialGradient * gy);
    }

    /// <summary>
    /// The convergent-beam pattern with the probe at (x, y) carrying <paramref name="electrons"/>, on a camera of
    /// <paramref name="pixels"/>² pixels of <paramref name="mradPerPixel"/>, the optical axis at pixel (pixels/2, pixels/2).
    /// </summary>
    public void PatternAt(double x, double y, double electrons, int pixels, double mradPerPixel, Pattern into, double maxAngleRad = double.PositiveInfinity)
    {
        into.Clear();
        var pair = default(GrainPair);
        Span<GrainWeight> grains = pair;
        int n = _scene.GrainsAt(x, y, grains);
        (double Ux, double Uy, Deformation F)? fields = null;
        for (int i = 0; i < n; i++)
        {
            if (grains[i].Grain.StrainedByFields)
            {
                fields = _scene.FieldsAt(x, y);
                break;
            }
        }

        double fd = 1 - Math.Exp(-DiffuseExponent(x, y, fields));
        var (tx, ty) = Deflection(x, y);
        double radPerPx = mradPerPixel * 1e-3, centre = pixels / 2.0;
        double row0 = centre + (ty / radPerPx), col0 = centre + (tx / radPerPx);
        double radius = Optics.ConvergenceMrad / mradPerPixel, coherent = 1 - fd;
        into.DiffuseElectrons = electrons * fd;
        into.DiffuseRow = row0;
        into.DiffuseColumn = col0;
        into.ThetaZeroPx = ThetaZeroRad / radPerPx;
        into.AxisRow = centre;
        into.AxisColumn = centre;

        int first = into.Disks.Count;
        double diffracted = 0;
        double gmax = maxAngleRad / LambdaNm;
        for (int i = 0; i < n; i++)
        {
            var g = grains[i].Grain;
            double t = g.Thickness(x, y);
            if (g.Phase.Crystal is null || t <= 0)
            {
                continue;
            }

            var f = g.Homogeneous;
            if (g.StrainedByFields)
            {
                f = f.Then(fields!.Value.F);
            }

            double weight = grains[i].Weight * Order(g.Phase, x, y);
            foreach (var r in g.Reflections(Optics.HighTensionKv, Stage.AlphaDeg, Stage.BetaDeg))
            {
                var (gx, gy) = f.Reciprocal(r.Gx, r.Gy);
                double g2 = (gx * gx) + (gy * gy);
                if (g2 > gmax * gmax)
                {
                    continue;
                }

                double s = -(r.Gz + (LambdaNm * (g2 + (r.Gz * r.Gz)) / 2));
                double intensity = weight * Diffraction.TwoBeamIntensity(s, r.InverseExtinction, t);
                if (intensity * electrons < 1e-3)
                {
                    continue;
                }

                diffracted += intensity;
                into.Disks.Add(new PatternDisk(row0 + (LambdaNm * gy / radPerPx), col0 + (LambdaNm * gx / radPerPx), radius, intensity));
            }
        }

        // Many beams: the two-beam intensities are shared out so that at most 80 % of the coherent beam is diffracted.
        double scale = coherent * (diffracted > 0.8 ? 0.8 / diffracted : 1);
        for (int k = first; k < into.Disks.Count; k++)
        {
            var d = into.Disks[k];
            into.Disks[k] = d with { Electrons = d.Electrons * scale * electrons };
        }

        double direct = Math.Max(0, coherent - (diffracted * scale));
        into.Disks.Insert(first, new PatternDisk(row0, col0, radius, direct * electrons));
        if (pixels > 0 && _cameraSin != 0)
        {
            // The camera is mounted turned against the scan: every point of the pattern turns about the optical axis.
            (double R, double C) Turn(double r, double c) => (centre + (_cameraSin * (c - centre)) + (_cameraCos * (r - centre)), centre + (_cameraCos * (c - centre)) - (_cameraSin * (r - centre)));
            for (int k = first; k < into.Disks.Count; k++)
            {
                var d = into.Disks[k];
                var (r, c) = Turn(d.Row, d.Column);
                into.Disks[k] = d with { Row = r, Column = c };
            }

            (into.DiffuseRow, into.DiffuseColumn) = Turn(into.DiffuseRow, into.DiffuseColumn);
        }
    }

    /// <summary>
    /// The electrons a scan detector between <paramref name="innerPx"/> and <paramref name="outerPx"/> (pattern pixels) collects from a pattern:
    /// each disk's overlap with the annulus, and the diffuse profile's share P(θ) = θ²/(θ² + θ₀²).
    /// </summary>
    public static double Collected(Pattern p, double innerPx, double outerPx)
    {
        double sum = 0;
        double centreR = p.AxisRow, centreC = p.AxisColumn;
        foreach (var d in p.Disks)
        {
            double dist = Math.Sqrt(((d.Row - centreR) * (d.Row - centreR)) + ((d.Column - centreC) * (d.Column - centreC)));
            double area = Math.PI * d.Radius * d.Radius;
            sum += d.Electrons * (Overlap(outerPx, d.Radius, dist) - Overlap(innerPx, d.Radius, dist)) / area;
        }

        double t0 = p.ThetaZeroPx * p.ThetaZeroPx;
        sum += p.DiffuseElectrons * (((outerPx * outerPx) / ((outerPx * outerPx) + t0)) - ((innerPx * innerPx) / ((innerPx * innerPx) + t0)));
        return sum;
    }

    /// <summary>Area of the intersection of circles of radii <paramref name="r1"/> and <paramref name="r2"/> whose centres are <paramref name="d"/> apart.</summary>
    internal static double Overlap(double r1, double r2, double d)
    {
        if (r1 <= 0 || r2 <= 0)
        {
            return 0;
        }

        if (d >= r1 + r2)
        {
            return 0;
        }

        if (d <= Math.Abs(r1 - r2))
        {
            double r = Math.Min(r1, r2);
            return Math.PI * r * r;
        }

        double a1 = Math.Acos(Math.Clamp(((d * d) + (r1 * r1) - (r2 * r2)) / (2 * d * r1), -1, 1));
        double a2 = Math.Acos(Math.Clamp(((d * d) + (r2 * r2) - (r1 * r1)) / (2 * d * r2), -1, 1));
        double k = Math.Sqrt(Math.Max(0, (-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2)));
        return (r1 * r1 * a1) + (r2 * r2 * a2) - (0.5 * k);
    }

    /// <summary>Atoms per nm² of each element at (x, y), and the total thickness (nm).</summary>
    public (Dictionary<string, double> Areal, double ThicknessNm) Composition(double x, double y)
    {
        var areal = new Dictionary<string, double>();
        double thickness = 0;
        var pair = default(GrainPair);
        Span<GrainWeight> grains = pair;
        int n = _scene.GrainsAt(x, y, grains);
        for (int i = 0; i < n; i++)
        {
            var g = grains[i].Grain;
            double t = Math.Max(0, g.Thickness(x, y)), w = grains[i].Weight;
            thickness += w * t;
            if (g.Phase.Crystal is { } c)
            {
                foreach (var (e, density) in c.AtomsPerNm3)
                {
                    areal[e] = areal.GetValueOrDefault(e) + (w * density * t);
                }
            }
            else
            {
                var a = g.Phase.Amorphous!;
                areal[a.Element] = areal.GetValueOrDefault(a.Element) + (w * a.AtomsPerNm3 * t);
            }
        }

        if (_scene.Support(x, y) is { } s)
        {
            thickness += s.ThicknessNm;
            var a = s.Phase.Amorphous!;
            areal[a.Element] = areal.GetValueOrDefault(a.Element) + (a.AtomsPerNm3 * s.ThicknessNm);
        }

        return (areal, thickness);
    }
}
