using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.SpectrumImaging;

namespace Condenser.Processing.Analyses;

/// <summary>An energy window <c>Start ≤ E &lt; End</c> in the energy axis' units (eV).</summary>
public readonly record struct EnergyWindow(double Start, double End)
{
    /// <summary>Refuses an empty or non-finite window; <paramref name="what"/> names it in the error.</summary>
    public void Check(string what)
    {
        if (!double.IsFinite(Start) || !double.IsFinite(End) || End <= Start)
        {
            throw new ArgumentException($"the {what} window {Start}:{End} must be two finite energies, start below end");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => FormattableString.Invariant($"{Start}:{End}");
}

/// <summary>The parameters of an EELS elemental map.</summary>
/// <param name="Background">Pre-edge window the power law A·E^-r is fitted in (eV).</param>
/// <param name="Edge">Window the background-subtracted signal is integrated over (eV).</param>
public sealed record EelsEdgeParameters(EnergyWindow Background, EnergyWindow Edge)
{
    /// <summary>Refuses empty windows and an edge window that starts before the fit window.</summary>
    public void Check()
    {
        Background.Check("background");
        Edge.Check("edge");
        if (Edge.Start < Background.Start)
        {
            throw new ArgumentException($"the edge window {Edge} starts before the background window {Background}: the power law is extrapolated to higher energies only");
        }
    }
}

/// <summary>
/// EELS elemental map of a spectrum image: at each position the power law fitted to the pre-edge window is
/// subtracted and the signal integrated over the edge window (NaN where the fit fails), with the fitted exponent.
/// </summary>
public static class EelsEdgeMap
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "eels-map";

    /// <summary>Version of the method.</summary>
    public const int Version = 1;

    /// <summary>Titles of the maps.</summary>
    public const string Signal = "edge signal", Exponent = "power-law exponent";

    /// <summary>Runs the analysis.</summary>
    public static AnalysisResult Run(AnalysisRun run, EelsEdgeParameters p)
    {
        p.Check();
        var ds = run.Dataset;
        SpectrumInputs.Channels(ds);
        var map = new EdgeMap(SpectrumInputs.Energies(ds), (p.Background.Start, p.Background.End), (p.Edge.Start, p.Edge.End));
        run.Pass("edge map", [map]);
        var parameters = new MetadataTree();
        parameters["background_window"] = p.Background.ToString();
        parameters["edge_window"] = p.Edge.ToString();
        parameters["background_model"] = "power law A·E^-r, Poisson maximum likelihood";
        var summary = new JsonObject
        {
            ["sum"] = map.Signal.Where(double.IsFinite).Sum(),
            ["failed_fits"] = map.Signal.Count(v => !double.IsFinite(v)),
        };
        return run.Result(Name, Version, parameters, [ResultDatasets.ScanMap(ds, Signal, map.Signal), ResultDatasets.ScanMap(ds, Exponent, map.Exponent)], summary);
    }
}

/// <summary>
/// Zero-loss peak of a low-loss spectrum image: its position at every scan position (the maximum refined by a
/// parabola), and the spectrum image shifted so that each peak sits at 0 eV (linear interpolation).
/// </summary>
public static class ZeroLossAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "eels-zero-loss";

    /// <summary>Version of the method.</summary>
    public const int Version = 1;

    /// <summary>Title of the position map.</summary>
    public const string Position = "zero-loss position";

    /// <summary>Runs the analysis.</summary>
    public static AnalysisResult Run(AnalysisRun run)
    {
        var ds = run.Dataset;
        SpectrumInputs.Channels(ds);
        var zlp = new ZeroLossPeaks(ds.Axes[^1]);
        run.Pass("zero-loss peaks", [zlp]);
        var peaks = zlp.Energies;
        var parameters = new MetadataTree();
        parameters["method"] = "maximum refined by a parabola; linear interpolation";
        var finite = peaks.Where(double.IsFinite).ToArray();
        var summary = new JsonObject
        {
            ["zlp_mean"] = finite.Length > 0 ? finite.Average() : double.NaN,
            ["zlp_spread"] = finite.Length > 0 ? finite.Max() - finite.Min() : double.NaN,
        };
        return run.Result(Name, Version, parameters, [ResultDatasets.ScanMap(ds, Position, peaks), ZeroLoss.Aligned(ds, peaks)], summary);
    }
}
