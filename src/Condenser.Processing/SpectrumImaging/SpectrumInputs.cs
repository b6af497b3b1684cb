using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Processing.SpectrumImaging;

/// <summary>Checks and helpers shared by the spectrum-image analyses.</summary>
public static class SpectrumInputs
{
    /// <summary>Throws unless the dataset's signal is one real-valued axis (a spectrum per position); returns the channel count.</summary>
    public static int Channels(EmDataset ds)
    {
        if (ds.Shape.Signal.Count != 1 || ds.DType.IsComplex() || ds.DType is DType.Rgb8 or DType.Rgba8)
        {
            throw new ArgumentException($"{ds.Name}: a spectrum-image analysis needs one real-valued signal axis; this dataset's signal is {string.Join("×", ds.Shape.Signal)} {ds.DType.Name()}");
        }

        return ds.Shape.Signal[0];
    }

    /// <summary>
    /// The energy axis in eV: the dataset's own where its units are eV or keV (converted), else the calibration given
    /// (<paramref name="scaleEv"/> per channel from <paramref name="offsetEv"/>); refused where neither says what a
    /// channel's energy is (the channel index is not an energy).
    /// </summary>
    public static Axis EnergyAxisEv(EmDataset ds, double? scaleEv = null, double? offsetEv = null)
    {
        var axis = ds.Axes[^1];
        if (scaleEv is not null || offsetEv is not null)
        {
            if (scaleEv is not { } s || !(s > 0) || !double.IsFinite(s) || offsetEv is not { } o || !double.IsFinite(o))
            {
                throw new ArgumentException("--energy-scale (eV per channel, > 0) and --energy-offset (eV of the first channel) go together");
            }

            return axis with { Scale = s, Offset = o, Units = "eV" };
        }

        double factor = axis.Units.Trim() switch { "eV" => 1, "keV" => 1000, _ => double.NaN };
        if (double.IsNaN(factor) || !(axis.Scale > 0) || !double.IsFinite(axis.Scale))
        {
            throw new ArgumentException($"{ds.Name}: the energy axis '{axis.Name}' is not calibrated in energy (units '{axis.Units}', scale {axis.Scale}): its channel index is not an energy; give --energy-scale and --energy-offset (eV)");
        }

        return axis with { Scale = axis.Scale * factor, Offset = axis.Offset * factor, Units = "eV" };
    }

    /// <summary>Refuses a window that holds fewer than two channels of <paramref name="energy"/> (outside the spectrum, or too narrow).</summary>
    public static void CheckWindow(Axis energy, double start, double end, string what)
    {
        int inside = 0;
        for (int i = 0; i < energy.Size; i++)
        {
            double e = energy.Offset + (i * energy.Scale);
            inside += e >= start && e < end ? 1 : 0;
        }

        if (inside < 2)
        {
            double last = energy.Offset + ((energy.Size - 1) * energy.Scale);
            throw new ArgumentException(FormattableString.Invariant($"the {what} window {start}:{end} eV holds {inside} channel(s) of the spectrum ({energy.Offset:G6} to {last:G6} eV): it must lie inside it and span two or more"));
        }
    }

    /// <summary>The calibrated energy of each channel of <paramref name="axis"/> (offset + i × scale).</summary>
    public static double[] Energies(Axis axis) => Enumerable.Range(0, axis.Size).Select(i => axis.Offset + (i * axis.Scale)).ToArray();

    /// <summary>The calibrated energy of each channel (offset + i × scale).</summary>
    /// <remarks>Units: the signal axis' units (eV for EELS and EDS).</remarks>
    public static double[] Energies(EmDataset ds) => Energies(ds.Axes[^1]);

    /// <summary>Every spectrum as one row of a matrix (positions × channels), refused beyond <paramref name="maxValues"/> values.</summary>
    public static double[][] ReadSpectra(EmDataset ds, long maxValues = 64L << 20)
    {
        int c = Channels(ds);
        if (ds.FrameCount * c > maxValues)
        {
            throw new ArgumentException($"{ds.Name}: {ds.FrameCount} spectra × {c} channels exceed the {maxValues} values this analysis holds in memory; crop or bin first");
        }

        var rows = new double[ds.FrameCount][];
        ds.ForEachPartition(16L << 20, (first, bytes) =>
        {
            int n = (int)(bytes.Length / ds.FrameBytes);
            for (int f = 0; f < n; f++)
            {
                var row = new double[c];
                ds.DType.ReadInto(bytes.Slice((int)(f * ds.FrameBytes), (int)ds.FrameBytes), row);

                rows[first + f] = row;
            }
        });
        return rows;
    }

    /// <summary>
    /// A float64 view of the spectrum image whose spectrum at each position is <paramref name="transform"/>(position,
    /// source spectrum), computed when read, so it streams like its source (a writer reads it frame by frame).
    /// </summary>
    public static EmDataset Mapped(EmDataset ds, string title, Func<long, double[], double[]> transform)
    {
        int channels = Channels(ds);
        var source = new byte[ds.FrameBytes];
        var spectrum = new double[channels];
        var storage = new DecodedFrameStorage(ds.FrameCount, channels * 8L, (f, dst) =>
        {
            ds.ReadFrame(f, source);
            ds.DType.ReadInto(source, spectrum);
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(transform(f, spectrum).AsSpan()).CopyTo(dst);
        });
        var md = ds.Metadata.Clone();
        md.Title = title;
        return new EmDataset(title, ds.Shape, ds.Axes, DType.Float64, storage, md);
    }
}
