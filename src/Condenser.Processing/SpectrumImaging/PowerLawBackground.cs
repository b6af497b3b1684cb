using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.SpectrumImaging;

/// <summary>
/// The power-law background A·E^(−r) of an EELS core-loss edge, fitted to a pre-edge window by Poisson maximum
/// likelihood, and elemental maps as the background-subtracted signal integrated over an edge window.
/// </summary>
/// <remarks>
/// Counts are Poisson, so the fit maximises Σ yᵢ ln μᵢ − μᵢ with μᵢ = A·Eᵢ^(−r). For a given r the best A is
/// Σy / ΣE^(−r); the likelihood in r alone is then concave and its maximum is where the mean of ln E weighted by
/// E^(−r) equals its mean weighted by the counts, found by Newton's method on that monotone condition. Channels with
/// no counts take part (a least-squares fit in log–log space must drop them and so overestimates the background's
/// decay at low counts: +20 % on the edge signal at 60 counts per channel, +110 % at 6; HyperSpy fits the same model
/// by least squares on the counts). <see cref="FitLogLog"/> keeps the log–log fit, for reference.
/// Extrapolated past the window, the background is convex in r, so even the maximum-likelihood r gives too much
/// background on average (−9 % on the edge signal at 6 counts per channel for an edge half the background's height,
/// −44 % for a tenth); <see cref="IntegrateAbove"/> subtracts that bias to second order (the delta method: ½·B''(r)·var r,
/// with var r from the Fisher information), which leaves &lt; 1 % at 6, 60 and 600 counts per channel.
/// </remarks>
/// <param name="A">Amplitude (counts at E = 1).</param>
/// <param name="R">Exponent (typically 2–6).</param>
/// <param name="FitStart">Start of the window fitted by Poisson maximum likelihood (eV); NaN for a log–log fit.</param>
/// <param name="FitEnd">End of that window (eV).</param>
public readonly record struct PowerLawBackground(double A, double R, double FitStart = double.NaN, double FitEnd = double.NaN)
{
    private const int MaxIterations = 100;

    /// <summary>The background at energy <paramref name="energy"/>.</summary>
    public double At(double energy) => A * Math.Pow(energy, -R);

    /// <summary>
    /// Fits the channels with fitStart ≤ E &lt; fitEnd and E &gt; 0 by Poisson maximum likelihood; null with fewer than
    /// two distinct energies or no counts. A window holding negative values is not counts (dark-subtracted or
    /// processed data): it is fitted by <see cref="FitLogLog"/>.
    /// </summary>
    /// <remarks>Units: energies in the spectrum's energy units (eV); counts per channel.</remarks>
    public static PowerLawBackground? Fit(ReadOnlySpan<double> energies, ReadOnlySpan<double> counts, double fitStart, double fitEnd)
    {
        int n = 0;
        double sumY = 0, sumYLog = 0, minLog = double.PositiveInfinity, maxLog = double.NegativeInfinity;
        for (int i = 0; i < energies.Length; i++)
        {
            double e = energies[i], c = counts[i];
            if (e >= fitStart && e < fitEnd && e > 0 && double.IsFinite(c))
            {
                if (c < 0)
                {
                    return FitLogLog(energies, counts, fitStart, fitEnd);
                }

                double l = Math.Log(e);
                n++;
                sumY += c;
                sumYLog += c * l;
                minLog = Math.Min(minLog, l);
                maxLog = Math.Max(maxLog, l);
            }
        }

        if (n < 2 || sumY <= 0 || maxLog <= minLog)
        {
            return null;
        }

        // Solve g(r) = m: g the E^(−r)-weighted mean of ln E (decreasing in r, g' = −variance), m the counts' mean.
        double target = sumYLog / sumY, reference = minLog;
        double low = -50, high = 50, r = 3;
        var weights = Moments(energies, counts, fitStart, fitEnd, reference, r);
        for (int it = 0; it < MaxIterations; it++)
        {
            double g = weights.Mean - target;
            if (g > 0)
            {
                low = r;
            }
            else
            {
                high = r;
            }

            double next = weights.Variance > 0 ? r + (g / weights.Variance) : double.NaN;
            if (!(next > low && next < high))
            {
                next = (low + high) / 2; // Newton left the bracket: bisect
            }

            if (Math.Abs(next - r) < 1e-12 * Math.Max(1, Math.Abs(r)))
            {
                r = next;
                break;
            }

            r = next;
            weights = Moments(energies, counts, fitStart, fitEnd, reference, r);
        }

        weights = Moments(energies, counts, fitStart, fitEnd, reference, r);
        if (r <= -50 || r >= 50 || weights.Sum <= 0)
        {
            return null;
        }

        // μ = B·(E/E₀)^(−r) with B = Σy / Σ(E/E₀)^(−r); A = B·E₀^r.
        double a = sumY / weights.Sum * Math.Exp(r * reference);
        return double.IsFinite(a) ? new PowerLawBackground(a, r, fitStart, fitEnd) : null;
    }

    /// <summary>
    /// Σw, and the w-weighted mean and variance of ln E, with w = (E/E₀)^(−r), ln E₀ = <paramref name="reference"/>, over
    /// the channels of the window whose counts are numbers (those the fit and the sums take).
    /// </summary>
    private static (double Sum, double Mean, double Variance) Moments(ReadOnlySpan<double> energies, ReadOnlySpan<double> counts, double fitStart, double fitEnd, double reference, double r)
    {
        double sw = 0, swl = 0, swll = 0;
        for (int i = 0; i < energies.Length; i++)
        {
            double e = energies[i];
            if (e >= fitStart && e < fitEnd && e > 0 && double.IsFinite(counts[i]))
            {
                double l = Math.Log(e) - reference, w = Math.Exp(-r * l);
                sw += w;
                swl += w * l;
                swll += w * l * l;
            }
        }

        double mean = swl / sw;
        return (sw, mean + reference, Math.Max(0, (swll / sw) - (mean * mean)));
    }

    /// <summary>
    /// The least-squares fit of ln counts against ln E over the channels with positive counts (biased at low counts,
    /// see the remarks above); null with fewer than two.
    /// </summary>
    public static PowerLawBackground? FitLogLog(ReadOnlySpan<double> energies, ReadOnlySpan<double> counts, double fitStart, double fitEnd)
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = 0; i < energies.Length; i++)
        {
            double e = energies[i], c = counts[i];
            if (e >= fitStart && e < fitEnd && e > 0 && c > 0)
            {
                double lx = Math.Log(e), ly = Math.Log(c);
                n++;
                sx += lx;
                sy += ly;
                sxx += lx * lx;
                sxy += lx * ly;
            }
        }

        double det = (n * sxx) - (sx * sx);
        if (n < 2 || det <= 0)
        {
            return null;
        }

        double slope = ((n * sxy) - (sx * sy)) / det;
        double intercept = (sy - (slope * sx)) / n;
        return new PowerLawBackground(Math.Exp(intercept), -slope);
    }

    /// <summary>
    /// Σ (counts − background) over the channels with start ≤ E &lt; end (the edge's integrated signal); for a
    /// maximum-likelihood fit, plus the second-order correction of the extrapolated background's bias (see remarks).
    /// </summary>
    public double IntegrateAbove(ReadOnlySpan<double> energies, ReadOnlySpan<double> counts, double start, double end)
    {
        double s = 0;
        for (int i = 0; i < energies.Length; i++)
        {
            if (energies[i] >= start && energies[i] < end)
            {
                s += counts[i] - At(energies[i]);
            }
        }

        return s + ExtrapolationBias(energies, counts, start, end);
    }

    /// <summary>
    /// ½·B''(r)·var r of the background B summed over the edge window, with B = Σy·Σ_edge E^(−r) / Σ_fit E^(−r) and
    /// var r = φ / (Σy·var_fit ln E): ½·φ·q·((m_fit − m_edge)² + v_edge − v_fit) / v_fit, where q = Σ_edge E^(−r) /
    /// Σ_fit E^(−r), m and v are the E^(−r)-weighted mean and variance of ln E in each window, and φ is the dispersion
    /// the fit window shows (Pearson χ² / (n − 2): 1 for Poisson counts, the gain for scaled counts, 0 for a spectrum
    /// without noise). 0 for a log–log fit.
    /// </summary>
    private double ExtrapolationBias(ReadOnlySpan<double> energies, ReadOnlySpan<double> counts, double start, double end)
    {
        if (!double.IsFinite(FitStart) || !double.IsFinite(FitEnd))
        {
            return 0;
        }

        double reference = double.PositiveInfinity;
        foreach (var e in energies)
        {
            if (e >= FitStart && e < FitEnd && e > 0)
            {
                reference = Math.Min(reference, Math.Log(e));
            }
        }

        if (!double.IsFinite(reference))
        {
            return 0;
        }

        var fit = Moments(energies, counts, FitStart, FitEnd, reference, R);
        var edge = Moments(energies, counts, start, end, reference, R);
        if (fit.Sum <= 0 || edge.Sum <= 0 || fit.Variance <= 0)
        {
            return 0;
        }

        double chi2 = 0;
        int n = 0;
        for (int i = 0; i < energies.Length; i++)
        {
            if (energies[i] >= FitStart && energies[i] < FitEnd && energies[i] > 0 && double.IsFinite(counts[i]))
            {
                double mu = At(energies[i]), d = counts[i] - mu;
                chi2 += mu > 0 ? d * d / mu : 0;
                n++;
            }
        }

        double dispersion = n > 2 ? chi2 / (n - 2) : 0;
        double q = edge.Sum / fit.Sum, dm = fit.Mean - edge.Mean;
        double correction = 0.5 * dispersion * q * ((dm * dm) + edge.Variance - fit.Variance) / fit.Variance;
        return double.IsFinite(correction) ? correction : 0;
    }
}

/// <summary>
/// An elemental map over a spectrum image: at each position the power law fitted to the pre-edge window is
/// subtracted and the signal integrated over the edge window (NaN where the fit fails).
/// </summary>
public sealed class EdgeMap(double[] energies, (double Start, double End) fit, (double Start, double End) edge) : IFrameReducer
{
    /// <summary>Integrated edge signal per position.</summary>
    public double[] Signal { get; private set; } = [];

    /// <summary>Fitted exponent r per position.</summary>
    public double[] Exponent { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) => [BufferDeclaration.PerPosition("edge signal"), BufferDeclaration.PerPosition("exponent")];

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        double[] signal = results[0], exponent = results[1];
        var counts = results.WorkerState as double[] ?? (double[])(results.WorkerState = new double[energies.Length]);
        for (int f = 0; f < tile.Count; f++)
        {
            tile.Layout.DType.ReadInto(tile.FrameBytes(f), counts);
            var bg = PowerLawBackground.Fit(energies, counts, fit.Start, fit.End);
            long p = tile.Positions[f];
            signal[p] = bg?.IntegrateAbove(energies, counts, edge.Start, edge.End) ?? double.NaN;
            exponent[p] = bg?.R ?? double.NaN;
        }
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results)
    {
        Signal = results[0];
        Exponent = results[1];
    }
}
