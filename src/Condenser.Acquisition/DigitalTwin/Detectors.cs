using Condenser.Acquisition.Instrument;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>How the twin's detectors turn electrons and X-rays into numbers.</summary>
/// <param name="ScanGain">Scan detectors: counts per electron.</param>
/// <param name="ScanDark">Scan detectors: dark level (counts).</param>
/// <param name="ScanReadNoise">Scan detectors: read noise (counts rms).</param>
/// <param name="SpectrometerReadNoise">EELS camera: read noise (counts rms; dark already subtracted).</param>
/// <param name="EnergyResolutionEv">EELS: width of the zero-loss peak (eV, FWHM).</param>
/// <param name="EdsResolutionEv">EDS: resolution at Mn Kα (eV, FWHM).</param>
/// <param name="EdsSolidAngleSr">EDS: collection solid angle (sr).</param>
public sealed record DetectorModel(
    double ScanGain = 1,
    double ScanDark = 5,
    double ScanReadNoise = 1.5,
    double SpectrometerReadNoise = 2,
    double EnergyResolutionEv = 1.0,
    double EdsResolutionEv = 130,
    double EdsSolidAngleSr = 0.7);

/// <summary>The pixelated camera: a counting detector, so the counts of a pixel are Poisson with the electrons' mean.</summary>
internal static class Camera
{
    /// <summary>
    /// Records <paramref name="p"/> into <paramref name="frame"/> (<paramref name="pixels"/>²). With noise, sparse
    /// patterns are sampled electron by electron (the total Poisson, each electron placed by its component's
    /// distribution: the same law as independent Poisson pixels), dense ones pixel by pixel; without noise the expected
    /// counts are rounded.
    /// </summary>
    public static void Record(Pattern p, int pixels, bool noise, ref Rng rng, Span<ushort> frame)
    {
        frame.Clear();
        double total = p.DiffuseElectrons;
        foreach (var d in p.Disks)
        {
            total += d.Electrons;
        }

        if (noise && total < pixels * pixels / 2.0)
        {
            SampleElectrons(p, pixels, ref rng, frame);
            return;
        }

        var expected = new float[pixels * pixels];
        Expected(p, pixels, expected);
        for (int i = 0; i < expected.Length; i++)
        {
            double v = noise ? rng.Poisson(expected[i]) : Math.Round(expected[i]);
            frame[i] = (ushort)Math.Min(v, ushort.MaxValue);
        }
    }

    /// <summary>The expected electrons per pixel.</summary>
    public static void Expected(Pattern p, int pixels, Span<float> into)
    {
        double t0 = p.ThetaZeroPx * p.ThetaZeroPx, norm = p.DiffuseElectrons * t0 / Math.PI;
        if (norm > 0)
        {
            for (int r = 0; r < pixels; r++)
            {
                double dy = r - p.DiffuseRow;
                for (int c = 0; c < pixels; c++)
                {
                    double dx = c - p.DiffuseColumn, q = (dx * dx) + (dy * dy) + t0;
                    into[(r * pixels) + c] += (float)(norm / (q * q));
                }
            }
        }

        foreach (var d in p.Disks)
        {
            if (d.Electrons <= 0)
            {
                continue;
            }

            int r0 = Math.Max(0, (int)Math.Floor(d.Row - d.Radius - 1)), r1 = Math.Min(pixels - 1, (int)Math.Ceiling(d.Row + d.Radius + 1));
            int c0 = Math.Max(0, (int)Math.Floor(d.Column - d.Radius - 1)), c1 = Math.Min(pixels - 1, (int)Math.Ceiling(d.Column + d.Radius + 1));
            if (r0 > r1 || c0 > c1)
            {
                continue;
            }

            // Pixel coverage by the disk's edge (antialiased), normalised by the disk's whole area so that the part
            // beyond the camera's edge is lost, as it is on a real camera.
            double perArea = d.Electrons / Math.Max(Math.PI * d.Radius * d.Radius, 1);
            for (int r = r0; r <= r1; r++)
            {
                double dy = r - d.Row;
                for (int c = c0; c <= c1; c++)
                {
                    double dx = c - d.Column, cover = Math.Clamp(d.Radius - Math.Sqrt((dx * dx) + (dy * dy)) + 0.5, 0, 1);
                    if (cover > 0)
                    {
                        into[(r * pixels) + c] += (float)(cover * perArea);
                    }
                }
            }
        }
    }

    private static void SampleElectrons(Pattern p, int pixels, ref Rng rng, Span<ushort> frame)
    {
        foreach (var d in p.Disks)
        {
            long n = rng.Poisson(d.Electrons);
            for (long k = 0; k < n; k++)
            {
                double rr = d.Radius * Math.Sqrt(rng.Uniform()), phi = 2 * Math.PI * rng.Uniform();
                var (s, c) = Math.SinCos(phi);
                Hit(frame, pixels, d.Row + (rr * s), d.Column + (rr * c));
            }
        }

        long nd = rng.Poisson(p.DiffuseElectrons);
        for (long k = 0; k < nd; k++)
        {
            double u = rng.Uniform(), theta = p.ThetaZeroPx * Math.Sqrt(u / (1 - u)), phi = 2 * Math.PI * rng.Uniform();
            var (s, c) = Math.SinCos(phi);
            Hit(frame, pixels, p.DiffuseRow + (theta * s), p.DiffuseColumn + (theta * c));
        }
    }

    private static void Hit(Span<ushort> frame, int pixels, double row, double column)
    {
        // Pixel i covers [i − ½, i + ½): the same centres as the expected image.
        int r = (int)Math.Floor(row + 0.5), c = (int)Math.Floor(column + 0.5);
        if ((uint)r < (uint)pixels && (uint)c < (uint)pixels && frame[(r * pixels) + c] < ushort.MaxValue)
        {
            frame[(r * pixels) + c]++;
        }
    }
}

/// <summary>Energy-loss and X-ray spectra from the local composition.</summary>
internal static class Spectra
{
    /// <summary>Carbon K cross-section at its onset (nm² per eV per atom); other edges scale by their strength.</summary>
    public const double CarbonKOnsetCrossSection = 1e-7;

    /// <summary>Effective X-ray emission of a line of strength 1 into 4π (nm² per atom per electron).</summary>
    public const double LineCrossSection = 2e-8;

    /// <summary>
    /// Expected electrons per channel: the zero-loss peak and plasmons with Poisson weights of t/λ, the valence tail,
    /// and each element's edges from their onsets, σ(E) ∝ (E/onset)^−s with a 2 eV rise, scaled by atoms per area.
    /// </summary>
    public static void Eels(Dictionary<string, double> areal, double thicknessNm, double electrons, SpectrometerSettings sp, double kv, DetectorModel model, Span<double> into)
    {
        double mfp = Physics.InelasticMeanFreePathNm * Math.Sqrt(kv / 200), tl = thicknessNm / mfp;
        double sigmaZl = model.EnergyResolutionEv / 2.3548, plasmon = 20, width = 6;
        double[] poissonWeights = [Math.Exp(-tl), tl * Math.Exp(-tl), tl * tl / 2 * Math.Exp(-tl), tl * tl * tl / 6 * Math.Exp(-tl)];
        for (int i = 0; i < sp.Channels; i++)
        {
            double e = sp.OffsetEv + (i * sp.DispersionEv), v = 0;
            v += poissonWeights[0] * Math.Exp(-0.5 * e * e / (sigmaZl * sigmaZl)) / (sigmaZl * Math.Sqrt(2 * Math.PI));
            for (int n = 1; n < poissonWeights.Length; n++)
            {
                double g = width * n / 2, de = e - (n * plasmon);
                v += poissonWeights[n] * g / (Math.PI * ((de * de) + (g * g)));
            }

            if (e > 30)
            {
                v += tl * 0.05 * Math.Pow(e / 30, -3);
            }

            foreach (var (symbol, n) in areal)
            {
                foreach (var edge in Elements.Get(symbol).Edges)
                {
                    if (e > edge.OnsetEv)
                    {
                        v += n * CarbonKOnsetCrossSection * edge.Strength * Math.Pow(e / edge.OnsetEv, -edge.Exponent) * (1 - Math.Exp(-(e - edge.OnsetEv) / 2));
                    }
                }
            }

            into[i] = electrons * v * sp.DispersionEv;
        }
    }

    /// <summary>
    /// Expected X-ray counts per channel: each element's lines, Gaussian with the detector's resolution
    /// (FWHM² = FWHM_Mn² + 2.49 eV·(E − 5895 eV)), on Kramers' bremsstrahlung ∝ Z (E₀/E − 1), through the window.
    /// </summary>
    public static void Eds(Dictionary<string, double> areal, double electrons, SpectrometerSettings sp, double kv, DetectorModel model, Span<double> into)
    {
        double collect = model.EdsSolidAngleSr / (4 * Math.PI), e0 = kv * 1e3;
        for (int i = 0; i < sp.Channels; i++)
        {
            double e = sp.OffsetEv + (i * sp.DispersionEv), v = 0;
            if (e <= 50 || e >= e0)
            {
                into[i] = 0;
                continue;
            }

            double window = Math.Exp(-Math.Pow(300 / e, 3)) * (1 - Math.Exp(-Math.Pow(30000 / e, 2)));
            foreach (var (symbol, n) in areal)
            {
                var el = Elements.Get(symbol);
                v += n * 5e-15 * el.Z * ((e0 / e) - 1) * sp.DispersionEv;
                foreach (var line in el.Lines)
                {
                    double le = line.EnergyKeV * 1e3;
                    if (le >= e0)
                    {
                        continue;
                    }

                    double fwhm = Math.Sqrt(Math.Max((model.EdsResolutionEv * model.EdsResolutionEv) + (2.49 * (le - 5895)), 400)), s = fwhm / 2.3548;
                    double de = e - le;
                    v += n * LineCrossSection * line.Strength * Math.Exp(-0.5 * de * de / (s * s)) / (s * Math.Sqrt(2 * Math.PI)) * sp.DispersionEv;
                }
            }

            into[i] = electrons * collect * v * window;
        }
    }
}
