using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.Analyses;

/// <summary>
/// What an analysis returns: its result datasets (each carrying the provenance in its metadata), the provenance, the
/// figures' source values, the analysis' own summary numbers and what its passes over the data cost.
/// </summary>
public sealed class AnalysisResult
{
    internal AnalysisResult(IReadOnlyList<EmDataset> datasets, AnalysisProvenance provenance, JsonObject summary, double passSeconds, long bytesRead, IoPath? io)
    {
        Datasets = datasets;
        Provenance = provenance;
        Summary = summary;
        PassSeconds = passSeconds;
        BytesRead = bytesRead;
        Io = io;
        foreach (var d in datasets)
        {
            provenance.WriteInto(d);
        }
    }

    /// <summary>The result datasets: maps over the scan, patterns, spectra.</summary>
    public IReadOnlyList<EmDataset> Datasets { get; }

    /// <summary>Where the result comes from.</summary>
    public AnalysisProvenance Provenance { get; }

    /// <summary>The analysis' own numbers (sum, centre, rotation...), for <c>--json</c> and the catalogue.</summary>
    public JsonObject Summary { get; }

    /// <summary>Wall time of the passes over the data.</summary>
    /// <remarks>Units: seconds.</remarks>
    public double PassSeconds { get; }

    /// <summary>Bytes of frames the passes read.</summary>
    /// <remarks>Units: bytes.</remarks>
    public long BytesRead { get; }

    /// <summary>The I/O path of the main pass (null when there was no pass).</summary>
    public IoPath? Io { get; }

    /// <summary>The result dataset titled <paramref name="title"/>.</summary>
    public EmDataset this[string title] => Datasets.FirstOrDefault(d => d.Name == title) ?? throw new KeyNotFoundException($"no result '{title}'");

    /// <summary>The values of a float64 result in memory.</summary>
    public double[] Values(string title)
    {
        var bytes = this[title].ReadAll();
        var v = new double[bytes.Length / 8];
        Buffer.BlockCopy(bytes, 0, v, 0, bytes.Length);
        return v;
    }
}
