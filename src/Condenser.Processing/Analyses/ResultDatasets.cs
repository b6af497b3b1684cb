using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Processing.Analyses;

/// <summary>Builds the result datasets of analyses: maps over the scan, spectra, patterns, as float64 in memory.</summary>
public static class ResultDatasets
{
    /// <summary>
    /// A map over <paramref name="source"/>'s scan (one value per navigation position) titled <paramref name="title"/>,
    /// with the scan's axes as its signal axes (a 0-d scan gives one position).
    /// </summary>
    public static EmDataset ScanMap(EmDataset source, string title, double[] values)
    {
        var nav = source.Shape.Navigation.Count > 0 ? source.Shape.Navigation.ToArray() : [1];
        var axes = source.Shape.Navigation.Count > 0 ? source.Axes.Take(nav.Length).Select(a => a with { Navigate = false }).ToArray() : [Axis.Plain("position", 1, false)];
        return Float64(title, new DatasetShape([], nav), axes, values, source.Metadata, SignalTypes.Image);
    }

    /// <summary>One spectrum as a dataset with the given energy axis.</summary>
    public static EmDataset Spectrum(string title, double[] values, Axis energy, Metadata source)
        => Float64(title, new DatasetShape([], [values.Length]), [energy with { Size = values.Length }], values, source, SignalTypes.Spectrum);

    /// <summary>A pattern (one value per signal pixel of <paramref name="source"/>) titled <paramref name="title"/>.</summary>
    public static EmDataset Pattern(EmDataset source, string title, double[] values)
    {
        int n = source.Shape.Navigation.Count;
        return Float64(title, new DatasetShape([], source.Shape.Signal.ToArray()), source.Axes.Skip(n).ToArray(), values, source.Metadata, source.Metadata.SignalType);
    }

    /// <summary>Values held in memory as a float64 dataset titled <paramref name="title"/>, its metadata copied from <paramref name="source"/>.</summary>
    public static EmDataset Float64(string title, DatasetShape shape, IReadOnlyList<Axis> axes, double[] values, Metadata source, string? signalType = null, MetadataTree? original = null)
    {
        var bytes = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        var md = source.Clone();
        md.Title = title;
        md.SignalType = signalType ?? md.SignalType;
        return new EmDataset(title, shape, axes, DType.Float64, new MemoryStorage(bytes), md, original);
    }
}
