using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.SpectrumImaging;

/// <summary>
/// Zero-loss peak alignment of EELS spectra: the peak's position is the maximum refined by a parabola through it and
/// its neighbours; spectra are shifted (linear interpolation) so every peak sits at 0 eV.
/// </summary>
public static class ZeroLoss
{
    /// <summary>The zero-loss peak's energy in one spectrum, searched within [searchStart, searchEnd) (NaN if empty).</summary>
    /// <remarks>Units: the energy axis' units (eV).</remarks>
    public static double Find(ReadOnlySpan<double> counts, double offset, double scale, double searchStart = double.NegativeInfinity, double searchEnd = double.PositiveInfinity)
    {
        int best = -1;
        for (int i = 0; i < counts.Length; i++)
        {
            double e = offset + (i * scale);
            if (e >= searchStart && e < searchEnd && (best < 0 || counts[i] > counts[best]))
            {
                best = i;
            }
        }

        if (best < 0)
        {
            return double.NaN;
        }

        double frac = 0;
        if (best > 0 && best < counts.Length - 1)
        {
            double a = counts[best - 1], b = counts[best], c = counts[best + 1], d = a - (2 * b) + c;
            frac = d < 0 ? Math.Clamp(0.5 * (a - c) / d, -0.5, 0.5) : 0;
        }

        return offset + ((best + frac) * scale);
    }

    /// <summary>
    /// The spectrum moved by −<paramref name="shift"/> along the energy axis (a peak at E moves to E − shift):
    /// value at channel i is the linear interpolation at i + shift/scale; channels past the ends are 0.
    /// </summary>
    public static double[] Shift(ReadOnlySpan<double> counts, double shift, double scale)
    {
        var result = new double[counts.Length];
        double s = shift / scale;
        for (int i = 0; i < counts.Length; i++)
        {
            double p = i + s;
            int j = (int)Math.Floor(p);
            double t = p - j;
            if (j >= 0 && j < counts.Length - 1)
            {
                result[i] = (counts[j] * (1 - t)) + (counts[j + 1] * t);
            }
            else if (j == counts.Length - 1 && t == 0)
            {
                result[i] = counts[j];
            }
        }

        return result;
    }

    /// <summary>Aligns every spectrum so its zero-loss peak is at 0; returns the aligned spectra and each measured peak energy.</summary>
    public static (double[][] Aligned, double[] PeakEnergies) Align(IReadOnlyList<double[]> spectra, double offset, double scale, double searchStart = double.NegativeInfinity, double searchEnd = double.PositiveInfinity)
    {
        var peaks = new double[spectra.Count];
        var aligned = new double[spectra.Count][];
        Parallel.For(0, spectra.Count, i =>
        {
            peaks[i] = Find(spectra[i], offset, scale, searchStart, searchEnd);
            aligned[i] = double.IsFinite(peaks[i]) ? Shift(spectra[i], peaks[i], scale) : (double[])spectra[i].Clone();
        });
        return (aligned, peaks);
    }

    /// <summary>
    /// The spectrum image with every spectrum moved so its peak (from <paramref name="peakEnergies"/>, one per
    /// position) sits at 0, computed frame by frame when read (float64; positions with no peak are copied).
    /// </summary>
    public static EmDataset Aligned(EmDataset ds, double[] peakEnergies) => Aligned(ds, peakEnergies, ds.Axes[^1].Scale);

    /// <summary>As <see cref="Aligned(EmDataset, double[])"/>, with the peaks in units of <paramref name="scale"/> per channel.</summary>
    public static EmDataset Aligned(EmDataset ds, double[] peakEnergies, double scale)
    {
        if (peakEnergies.LongLength != ds.FrameCount)
        {
            throw new ArgumentException($"{peakEnergies.Length} peak energies for {ds.FrameCount} spectra");
        }

        return SpectrumInputs.Mapped(ds, "zero-loss aligned", (f, spectrum) => double.IsFinite(peakEnergies[f]) ? Shift(spectrum, peakEnergies[f], scale) : spectrum);
    }
}

/// <summary>The zero-loss peak energy of every spectrum of a spectrum image (map-reduce).</summary>
/// <param name="axis">The energy axis.</param>
/// <param name="searchStart">Start of the search window (energy units).</param>
/// <param name="searchEnd">End of the search window (energy units).</param>
public sealed class ZeroLossPeaks(Axis axis, double searchStart = double.NegativeInfinity, double searchEnd = double.PositiveInfinity) : IFrameReducer
{
    /// <summary>Peak energy per position (NaN where the search window is empty).</summary>
    /// <remarks>Units: the energy axis' units (eV).</remarks>
    public double[] Energies { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout) => [BufferDeclaration.PerPosition("peak energy")];

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        var energies = results[0];
        var counts = results.WorkerState as double[] ?? (double[])(results.WorkerState = new double[tile.FrameLength]);
        for (int f = 0; f < tile.Count; f++)
        {
            tile.Layout.DType.ReadInto(tile.FrameBytes(f), counts);
            energies[tile.Positions[f]] = ZeroLoss.Find(counts, axis.Offset, axis.Scale, searchStart, searchEnd);
        }
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results) => Energies = results[0];
}
