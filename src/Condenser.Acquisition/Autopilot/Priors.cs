using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Learning.GaussianProcesses;

namespace Condenser.Acquisition.Autopilot;

/// <summary>The Gaussian process a run ended with, in physical units: what it leaves in its map's metadata for later runs.</summary>
/// <param name="Kernel">Kernel family.</param>
/// <param name="LengthScalesNm">Length scales along x and y (nm).</param>
/// <param name="SignalVariance">Signal variance (the map's unit squared) at <paramref name="DwellUs"/>.</param>
/// <param name="NoiseVariance">Variance of one observation's noise at <paramref name="DwellUs"/>.</param>
/// <param name="Mean">Prior mean (the map's unit) at <paramref name="DwellUs"/>.</param>
/// <param name="DwellUs">Dwell per probe of the run (µs): counts scale with it.</param>
public sealed record RunModel(KernelKind Kernel, double[] LengthScalesNm, double SignalVariance, double NoiseVariance, double Mean, double DwellUs)
{
    /// <summary>The group of the map's original metadata that holds it.</summary>
    public const string Group = "autopilot_model";

    /// <summary>
    /// The model at another dwell: counted signals scale their mean with the dose, their signal variance with its
    /// square and their (Poisson) noise variance with it.
    /// </summary>
    public RunModel At(double dwellUs)
    {
        double k = dwellUs / DwellUs;
        return this with { SignalVariance = SignalVariance * k * k, NoiseVariance = NoiseVariance * k, Mean = Mean * k, DwellUs = dwellUs };
    }

    /// <summary>Writes the model into <paramref name="tree"/> (a map's original metadata) as the group <see cref="Group"/>.</summary>
    public void WriteInto(Condenser.Data.MetadataTree tree)
    {
        var g = tree.Child(Group);
        g["kernel"] = Kernel.ToString();
        g["length_scale_x_nm"] = LengthScalesNm[0];
        g["length_scale_y_nm"] = LengthScalesNm[^1];
        g["signal_variance"] = SignalVariance;
        g["noise_variance"] = NoiseVariance;
        g["mean"] = Mean;
        g["dwell_us"] = DwellUs;
    }

    /// <summary>Reads the group <see cref="Group"/> of a record's original metadata (as the catalogue stores it, JSON); null when a part is missing or out of range.</summary>
    public static RunModel? FromJson(JsonNode? original)
    {
        try
        {
            if (original?[Group] is not JsonObject o || !Enum.TryParse<KernelKind>((string?)o["kernel"], out var kind))
            {
                return null;
            }

            static double Number(JsonNode? n) => n is JsonValue v && v.TryGetValue(out string? s) ? double.Parse(s, CultureInfo.InvariantCulture) : (double?)n ?? double.NaN;
            var m = new RunModel(kind, [Number(o["length_scale_x_nm"]), Number(o["length_scale_y_nm"])], Number(o["signal_variance"]), Number(o["noise_variance"]), Number(o["mean"]), Number(o["dwell_us"]));
            static bool Positive(double v) => v > 0 && double.IsFinite(v);
            return m.LengthScalesNm.All(Positive) && Positive(m.SignalVariance) && Positive(m.NoiseVariance) && double.IsFinite(m.Mean) && Positive(m.DwellUs) ? m : null;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            return null;
        }
    }
}

/// <summary>A past run a proposal rests on.</summary>
/// <param name="RecordId">Its map's record in the library.</param>
/// <param name="Sample">Its sample.</param>
/// <param name="Instrument">Its instrument.</param>
/// <param name="Score">How alike it is to the run asked for (see <see cref="ModelPriors.Similarity"/>).</param>
/// <param name="Model">Its model.</param>
public sealed record PriorEvidence(string RecordId, string? Sample, string Instrument, double Score, RunModel Model);

/// <summary>Hyperparameters proposed for a run from past ones, with the records they rest on.</summary>
/// <param name="Model">The proposed model, at the run's dwell.</param>
/// <param name="Evidence">The past runs it combines, most alike first.</param>
public sealed record ModelPrior(RunModel Model, IReadOnlyList<PriorEvidence> Evidence);

/// <summary>What a run is: the terms past runs are matched on.</summary>
/// <param name="Sample">The sample (free text; matched ignoring case).</param>
/// <param name="Instrument">The instrument's name.</param>
/// <param name="Elements">Elements in the sample.</param>
/// <param name="DwellUs">The run's dwell (µs), to which a proposal is scaled.</param>
public sealed record PriorQuery(string? Sample, string Instrument, IReadOnlyList<string> Elements, double DwellUs);

/// <summary>Where priors come from: the catalogue implements it (see <c>Condenser.Catalog.Priors.LibraryPriors</c>).</summary>
public interface IPriorSource
{
    /// <summary>Past runs that carry a model, each with its record's sample, instrument and elements.</summary>
    IEnumerable<(string RecordId, string? Sample, string Instrument, IReadOnlyList<string> Elements, RunModel Model)> PastRuns();
}

/// <summary>Combines past runs into a proposal.</summary>
public static class ModelPriors
{
    /// <summary>Past runs combined at most.</summary>
    public const int MaxEvidence = 5;

    /// <summary>
    /// How alike a past run is: 4 for the same sample, 2 for the same instrument (1 for the same make, the name before
    /// a parenthesis), plus 2 × the Jaccard overlap of the elements. A past run that shares no more than the make of
    /// its instrument (a score of 1 or less) is not used.
    /// </summary>
    public static double Similarity(PriorQuery q, string? sample, string instrument, IReadOnlyList<string> elements)
    {
        double score = 0;
        if (q.Sample is { Length: > 0 } s && string.Equals(s.Trim(), sample?.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            score += 4;
        }

        static string Make(string name) => name.Split('(')[0].Trim();
        if (q.Instrument.Length > 0 && q.Instrument == instrument)
        {
            score += 2;
        }
        else if (Make(q.Instrument).Length > 0 && Make(q.Instrument) == Make(instrument))
        {
            score += 1;
        }

        var a = q.Elements.Select(e => e.ToLowerInvariant()).ToHashSet();
        var b = elements.Select(e => e.ToLowerInvariant()).ToHashSet();
        if (a.Count > 0 && b.Count > 0)
        {
            score += 2.0 * a.Intersect(b).Count() / a.Union(b).Count();
        }

        return score;
    }

    /// <summary>
    /// The proposal from the most alike past runs (at most <see cref="MaxEvidence"/>, each scaled to the run's dwell):
    /// the geometric mean of their length scales, the median of their variances and means. Null when no past run is
    /// alike at all (a cold start).
    /// </summary>
    public static ModelPrior? Propose(IPriorSource source, PriorQuery q)
    {
        var evidence = source.PastRuns()
            .Select(p => new PriorEvidence(p.RecordId, p.Sample, p.Instrument, Similarity(q, p.Sample, p.Instrument, p.Elements), p.Model.At(q.DwellUs)))
            .Where(e => e.Score > 1)
            .OrderByDescending(e => e.Score).ThenBy(e => e.RecordId, StringComparer.Ordinal)
            .Take(MaxEvidence).ToList();
        if (evidence.Count == 0)
        {
            return null;
        }

        static double Median(IEnumerable<double> v) => MathNet.Numerics.Statistics.Statistics.Median(v);

        var models = evidence.Select(e => e.Model).ToList();
        var kind = models.GroupBy(m => m.Kernel).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        var lengths = Enumerable.Range(0, 2).Select(d => Math.Exp(models.Average(m => Math.Log(m.LengthScalesNm[d])))).ToArray();
        var model = new RunModel(kind, lengths, Median(models.Select(m => m.SignalVariance)), Median(models.Select(m => m.NoiseVariance)), Median(models.Select(m => m.Mean)), q.DwellUs);
        return new ModelPrior(model, evidence);
    }
}
