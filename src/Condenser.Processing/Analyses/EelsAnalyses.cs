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
/// <param name="EnergyScaleEv">eV per channel, for a spectrum whose axis is not calibrated in energy (with <paramref name="EnergyOffsetEv"/>).</param>
/// <param name="EnergyOffsetEv">Energy of the first channel (eV).</param>
public sealed record EelsEdgeParameters(EnergyWindow Background, EnergyWindow Edge, double? EnergyScaleEv = null, double? EnergyOffsetEv = null)
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
        var energy = SpectrumInputs.EnergyAxisEv(ds, p.EnergyScaleEv, p.EnergyOffsetEv);
        SpectrumInputs.CheckWindow(energy, p.Background.Start, p.Background.End, "background");
        SpectrumInputs.CheckWindow(energy, p.Edge.Start, p.Edge.End, "edge");
        var map = new EdgeMap(SpectrumInputs.Energies(energy), (p.Background.Start, p.Background.End), (p.Edge.Start, p.Edge.End));
        run.Pass("edge map", [map]);
        var parameters = new MetadataTree();
        parameters["background_window"] = p.Background.ToString();
        parameters["edge_window"] = p.Edge.ToString();
        parameters["background_model"] = "power law A·E^-r, Poisson maximum likelihood, extrapolation bias corrected to second order";
        parameters["energy_axis_ev"] = FormattableString.Invariant($"{energy.Offset:G9} + i × {energy.Scale:G9}");
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

    /// <summary>Farthest a median zero-loss peak may lie from 0 eV (eV): beyond it the spectra are not low-loss, or the axis is offset.</summary>
    public const double MaxMedianOffsetEv = 10;

    /// <summary>Runs the analysis; <paramref name="energyScaleEv"/> and <paramref name="energyOffsetEv"/> calibrate an axis that is not in energy.</summary>
    public static AnalysisResult Run(AnalysisRun run, double? energyScaleEv = null, double? energyOffsetEv = null)
    {
        var ds = run.Dataset;
        SpectrumInputs.Channels(ds);
        var energy = SpectrumInputs.EnergyAxisEv(ds, energyScaleEv, energyOffsetEv);
        double last = energy.Offset + ((energy.Size - 1) * energy.Scale);
        if (!(energy.Offset <= 0 && last >= 0))
        {
            throw new ArgumentException(FormattableString.Invariant($"{ds.Name}: the spectrum spans {energy.Offset:G6} to {last:G6} eV: there is no zero-loss peak to find away from 0 eV (a core-loss spectrum, or an offset axis: give --energy-offset)"));
        }

        var zlp = new ZeroLossPeaks(energy);
        run.Pass("zero-loss peaks", [zlp]);
        var peaks = zlp.Energies;
        var sortedPeaks = peaks.Where(double.IsFinite).Order().ToArray();
        if (sortedPeaks.Length == 0 || Math.Abs(sortedPeaks[sortedPeaks.Length / 2]) > MaxMedianOffsetEv)
        {
            string where = sortedPeaks.Length == 0 ? "nowhere" : FormattableString.Invariant($"at a median {sortedPeaks[sortedPeaks.Length / 2]:G4} eV");
            throw new ArgumentException($"{ds.Name}: no zero-loss peak near 0 eV: the spectra peak {where} (more than {MaxMedianOffsetEv} eV away): a core-loss spectrum, or an offset axis (give --energy-offset)");
        }

        var parameters = new MetadataTree();
        parameters["method"] = "maximum refined by a parabola; linear interpolation";
        var finite = peaks.Where(double.IsFinite).ToArray();
        var summary = new JsonObject
        {
            ["zlp_mean"] = finite.Length > 0 ? finite.Average() : double.NaN,
            ["zlp_spread"] = finite.Length > 0 ? finite.Max() - finite.Min() : double.NaN,
        };
        return run.Result(Name, Version, parameters, [ResultDatasets.ScanMap(ds, Position, peaks), ZeroLoss.Aligned(ds, peaks, energy.Scale)], summary);
    }
}
