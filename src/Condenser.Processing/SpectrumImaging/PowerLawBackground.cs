using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.SpectrumImaging;

/// <summary>
/// The power-law background A·E^(−r) of an EELS core-loss edge, fitted to a pre-edge window by least squares in
/// log–log space, and elemental maps as the background-subtracted signal integrated over an edge window.
/// </summary>
/// <param name="A">Amplitude (counts at E = 1).</param>
/// <param name="R">Exponent (typically 2–6).</param>
public readonly record struct PowerLawBackground(double A, double R)
{
    /// <summary>The background at energy <paramref name="energy"/>.</summary>
    public double At(double energy) => A * Math.Pow(energy, -R);

    /// <summary>
    /// Fits the channels with fitStart ≤ E &lt; fitEnd and positive counts (and E &gt; 0); null with fewer than two.
    /// </summary>
    /// <remarks>Units: energies in the spectrum's energy units (eV).</remarks>
    public static PowerLawBackground? Fit(ReadOnlySpan<double> energies, ReadOnlySpan<double> counts, double fitStart, double fitEnd)
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

    /// <summary>Σ (counts − background) over the channels with start ≤ E &lt; end (the edge's integrated signal).</summary>
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

        return s;
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
