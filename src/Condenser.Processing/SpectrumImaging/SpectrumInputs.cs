using Condenser.Data;

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

    /// <summary>The calibrated energy of each channel (offset + i × scale).</summary>
    /// <remarks>Units: the signal axis' units (eV for EELS and EDS).</remarks>
    public static double[] Energies(EmDataset ds)
    {
        var axis = ds.Axes[^1];
        return Enumerable.Range(0, axis.Size).Select(i => axis.Offset + (i * axis.Scale)).ToArray();
    }

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
                var frame = bytes.Slice((int)(f * ds.FrameBytes), (int)ds.FrameBytes);
                for (int i = 0; i < c; i++)
                {
                    row[i] = ds.DType.ReadAsDouble(frame, i);
                }

                rows[first + f] = row;
            }
        });
        return rows;
    }
}
