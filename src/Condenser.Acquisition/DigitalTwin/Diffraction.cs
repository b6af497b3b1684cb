using Condenser.Processing.FourDStem;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>A reflection in the lab frame: g (1/nm, z along the beam) and the inverse extinction distance 1/ξ_g (1/nm).</summary>
internal readonly record struct Reflection(double Gx, double Gy, double Gz, double InverseExtinction);

/// <summary>Kinematic structure factors, excitation errors and two-beam intensities of the reflections near the Ewald sphere.</summary>
internal static class Diffraction
{
    /// <summary>Reflections are listed to this scattering angle (rad).</summary>
    public const double MaxAngleRad = 0.12;

    /// <summary>Reflections farther from the Ewald sphere than this are left out (1/nm): at 5 nm thickness they carry &lt; 2 %.</summary>
    public const double MaxExcitationError = 0.5;

    /// <summary>Relativistic factor γ = 1 + eV / m₀c².</summary>
    public static double Gamma(double kv) => 1 + (kv / 510.99895);

    /// <summary>
    /// The reflections of <paramref name="s"/> at <paramref name="o"/> (plus a stage tilt) within
    /// <see cref="MaxAngleRad"/> and <see cref="MaxExcitationError"/>, with 1/ξ_g = λγ|F_g| / (πV).
    /// </summary>
    public static Reflection[] Reflections(CrystalStructure s, Orientation o, double kv, double alphaRad, double betaRad)
    {
        double lambda = DetectorCalibration.ElectronWavelengthNm(kv), gmax = MaxAngleRad / lambda, gamma = Gamma(kv);
        var rot = o.Rotation(s, alphaRad, betaRad);
        var recip = s.DirectBasis.Inverse();
        int hm = (int)Math.Ceiling(gmax * s.A) + 1, km = (int)Math.Ceiling(gmax * s.B) + 1, lm = (int)Math.Ceiling(gmax * s.C) + 1;
        var list = new List<Reflection>();
        double volume = s.VolumeNm3, strongest = 0;
        for (int h = -hm; h <= hm; h++)
        {
            for (int k = -km; k <= km; k++)
            {
                for (int l = -lm; l <= lm; l++)
                {
                    if (h == 0 && k == 0 && l == 0)
                    {
                        continue;
                    }

                    var g = rot * ((h * recip.R0) + (k * recip.R1) + (l * recip.R2));
                    double g2 = g.Dot(g);
                    if (g2 > gmax * gmax)
                    {
                        continue;
                    }

                    double sg = -(g.Z + (lambda * g2 / 2));
                    if (Math.Abs(sg) > MaxExcitationError)
                    {
                        continue;
                    }

                    var (f, _) = s.StructureFactor(h, k, l);
                    double inv = lambda * gamma * f.Magnitude / (Math.PI * volume);
                    strongest = Math.Max(strongest, inv);
                    list.Add(new Reflection(g.X, g.Y, g.Z, inv));
                }
            }
        }

        return list.Where(r => r.InverseExtinction > 1e-4 * strongest).ToArray();
    }

    /// <summary>
    /// Two-beam (Howie–Whelan) intensity of a reflection at excitation error <paramref name="s"/> (1/nm) through
    /// <paramref name="t"/> nm: sin²(π t s_eff) / (ξ² s_eff²), s_eff = √(s² + ξ⁻²); kinematic for s ≫ 1/ξ.
    /// </summary>
    public static double TwoBeamIntensity(double s, double inverseExtinction, double t)
    {
        double seff2 = (s * s) + (inverseExtinction * inverseExtinction);
        double sn = Math.Sin(Math.PI * t * Math.Sqrt(seff2));
        return inverseExtinction * inverseExtinction * sn * sn / seff2;
    }

    /// <summary>Interaction constant σ = (2π / λV) (E₀ + E) / (2E₀ + E) (rad / (V·nm)).</summary>
    public static double InteractionConstant(double kv)
    {
        double lambda = DetectorCalibration.ElectronWavelengthNm(kv);
        return 2 * Math.PI / (lambda * kv * 1e3) * (510.99895 + kv) / ((2 * 510.99895) + kv);
    }
}

/// <summary>
/// The probe's intensity: the Fourier transform of the aperture (convergence semi-angle α) with defocus and spherical
/// aberration, |ψ(r)|², ψ(r) = ∫₀^{α/λ} J₀(2πkr) e^{−iχ(k)} k dk, χ = πλΔf k² + (π/2) Cs λ³ k⁴; normalised to
/// ∫ I dA = 1 within <see cref="RadiusNm"/>, tabulated over r².
/// </summary>
internal sealed class ProbeProfile
{
    private const int Samples = 2048;
    private static readonly double[] BesselTable = BuildBessel();
    private const double BesselStep = 0.02, BesselMax = 400;
    private readonly float[] _table;
    private readonly double _inverseStep;

    public ProbeProfile(double kv, double convergenceMrad, double defocusNm, double csNm = 1000)
    {
        double lambda = DetectorCalibration.ElectronWavelengthNm(kv), alpha = convergenceMrad * 1e-3, kmax = alpha / lambda;
        double airy = 0.61 * lambda / alpha, geometric = Math.Abs(defocusNm) * alpha;
        RadiusNm = Math.Max(0.25, (7 * airy) + (1.5 * geometric));
        Fwhm0Nm = 0.5145 * lambda / alpha;
        var values = new double[Samples];
        double r2max = RadiusNm * RadiusNm;
        if (geometric > 20 * airy)
        {
            // Far from focus (Fresnel number ≫ 1) geometric optics holds: a uniform disk of radius Δf·α, its edge
            // blurred by the diffraction limit.
            for (int i = 0; i < Samples; i++)
            {
                double r = Math.Sqrt(r2max * i / (Samples - 1));
                values[i] = 0.5 * (1 - Math.Tanh((r - geometric) / airy));
            }
        }
        else
        {
            int nk = Math.Clamp((int)(kmax * RadiusNm * 24), 128, 8192);
            for (int i = 0; i < Samples; i++)
            {
                double r = Math.Sqrt(r2max * i / (Samples - 1));
                double sr = 0, si = 0;
                for (int j = 0; j < nk; j++)
                {
                    double k = (j + 0.5) * kmax / nk;
                    double chi = (Math.PI * lambda * defocusNm * k * k) + (Math.PI / 2 * csNm * lambda * lambda * lambda * k * k * k * k);
                    double j0 = J0(2 * Math.PI * k * r) * k;
                    sr += j0 * Math.Cos(chi);
                    si -= j0 * Math.Sin(chi);
                }

                values[i] = (sr * sr) + (si * si);
            }
        }

        // ∫ I 2πr dr = ∫ I π d(r²): trapezoid over the r² grid.
        double total = 0, dr2 = r2max / (Samples - 1);
        for (int i = 1; i < Samples; i++)
        {
            total += (values[i] + values[i - 1]) / 2 * Math.PI * dr2;
        }

        _table = values.Select(v => (float)(v / total)).ToArray();
        _inverseStep = (Samples - 1) / r2max;
        Peak = _table[0];
        FwhmNm = MeasuredFwhmNm();
    }

    /// <summary>Full width at half maximum of this probe (nm).</summary>
    public double FwhmNm { get; }

    /// <summary>Radius within which the probe is followed (nm).</summary>
    public double RadiusNm { get; }

    /// <summary>Full width at half maximum of the aberration-free, in-focus probe, 0.5145 λ/α (nm).</summary>
    public double Fwhm0Nm { get; }

    /// <summary>Intensity at the centre (1/nm²).</summary>
    public double Peak { get; }

    /// <summary>Intensity at squared distance <paramref name="r2"/> (nm²) from the centre (1/nm²); 0 beyond the radius.</summary>
    public double At(double r2)
    {
        double x = r2 * _inverseStep;
        int i = (int)x;
        if (i >= Samples - 1)
        {
            return 0;
        }

        double t = x - i;
        return _table[i] + (t * (_table[i + 1] - _table[i]));
    }

    /// <summary>Radius that holds half of the probe's current (nm).</summary>
    public double HalfCurrentRadiusNm()
    {
        double sum = 0, dr2 = 1 / _inverseStep;
        for (int i = 1; i < Samples; i++)
        {
            sum += (_table[i] + _table[i - 1]) / 2 * Math.PI * dr2;
            if (sum >= 0.5)
            {
                return Math.Sqrt(i * dr2);
            }
        }

        return RadiusNm;
    }

    /// <summary>The full width at half maximum of this probe, measured on its table (nm).</summary>
    public double MeasuredFwhmNm()
    {
        for (int i = 1; i < Samples; i++)
        {
            if (_table[i] < Peak / 2)
            {
                double r2 = (i - 1 + ((_table[i - 1] - (Peak / 2)) / (_table[i - 1] - _table[i]))) / _inverseStep;
                return 2 * Math.Sqrt(r2);
            }
        }

        return 2 * RadiusNm;
    }

    private static double J0(double x)
    {
        if (x < BesselMax)
        {
            double p = x / BesselStep;
            int i = (int)p;
            double t = p - i;
            return BesselTable[i] + (t * (BesselTable[i + 1] - BesselTable[i]));
        }

        return Math.Sqrt(2 / (Math.PI * x)) * Math.Cos(x - (Math.PI / 4));
    }

    /// <summary>J₀ on a grid from its integral J₀(x) = (1/π) ∫₀^π cos(x sin τ) dτ (trapezoid, exact to 1e-12 at these x).</summary>
    private static double[] BuildBessel()
    {
        int n = (int)(BesselMax / BesselStep) + 2;
        const int m = 512;
        var sines = Enumerable.Range(0, m + 1).Select(j => Math.Sin(Math.PI * j / m)).ToArray();
        var t = new double[n];
        Parallel.For(0, n, i =>
        {
            double x = i * BesselStep, s = 0;
            for (int j = 0; j <= m; j++)
            {
                double w = j == 0 || j == m ? 0.5 : 1;
                s += w * Math.Cos(x * sines[j]);
            }

            t[i] = s / m;
        });
        return t;
    }
}
