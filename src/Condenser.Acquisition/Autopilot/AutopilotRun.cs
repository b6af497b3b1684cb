using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Acquisition.Instrument;
using Condenser.Learning.GaussianProcesses;

namespace Condenser.Acquisition.Autopilot;

/// <summary>What an autopilot run does.</summary>
public sealed record AutopilotOptions
{
    /// <summary>The policy.</summary>
    public PolicyKind Policy { get; init; } = PolicyKind.GpVariance;

    /// <summary>What is mapped: <c>haadf</c> (the others of the command line are not built yet).</summary>
    public string Target { get; init; } = "haadf";

    /// <summary>Probes as a fraction of the full raster's (0 &lt; f ≤ 1): the dose of the run against the raster's.</summary>
    public double Fraction { get; init; } = 0.2;

    /// <summary>A dose-per-area budget handed to the instrument (e⁻/Å²); null: none beyond the fraction.</summary>
    public double? DoseBudgetEPerA2 { get; init; }

    /// <summary>Positions per side of the grid.</summary>
    public int Grid { get; init; } = 64;

    /// <summary>Field of view (nm).</summary>
    public double FovNm { get; init; } = 200;

    /// <summary>Centre of the field from the optical axis (nm).</summary>
    public double CenterXNm { get; init; }

    /// <summary>Centre of the field from the optical axis (nm).</summary>
    public double CenterYNm { get; init; }

    /// <summary>Dwell per probe (µs).</summary>
    public double DwellUs { get; init; } = 10;

    /// <summary>The seed of the policy's draws.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Refuses options out of range.</summary>
    public void Check()
    {
        if (Target != "haadf")
        {
            throw new ArgumentException($"--target '{Target}': this build maps haadf; strain, phase and features are not built yet");
        }

        if (!(Fraction > 0 && Fraction <= 1))
        {
            throw new ArgumentException($"--fraction {Fraction} must lie in (0, 1]");
        }

        if (Grid is < 4 or > 1024)
        {
            throw new ArgumentException($"--grid {Grid} must lie in 4..1024");
        }

        if (!(FovNm > 0) || !double.IsFinite(FovNm) || !(DwellUs > 0) || !double.IsFinite(DwellUs))
        {
            throw new ArgumentException("the field of view and the dwell must be positive numbers");
        }

        if (DoseBudgetEPerA2 is { } d && !(d > 0))
        {
            throw new ArgumentException($"--dose-budget {d} must be a positive number of e⁻/Å²");
        }
    }

    /// <summary>Probes the run may make.</summary>
    public int Probes => Math.Max(1, (int)Math.Round(Fraction * Grid * Grid));

    /// <summary>The scan grid.</summary>
    public ScanSettings Scan => new(CenterXNm, CenterYNm, FovNm, Grid, Grid, DwellUs);
}

/// <summary>What a run did.</summary>
/// <param name="Map">The reconstructed target on the grid (row-major).</param>
/// <param name="Visits">Grid positions visited, in order, with their values.</param>
/// <param name="Decisions">Decisions made (acquisitions).</param>
/// <param name="MeanDecisionMs">Mean time to decide (model update and choice), ms.</param>
/// <param name="Electrons">Electrons delivered.</param>
/// <param name="InstrumentTimeS">Instrument time (s).</param>
/// <param name="Stopped">Why the run ended before its probes were spent, if it did.</param>
public sealed record AutopilotResult(double[] Map, IReadOnlyList<(int Position, double Value)> Visits, int Decisions, double MeanDecisionMs, double Electrons, double InstrumentTimeS, string? Stopped)
{
    /// <summary>Electrons over the field's area (e⁻/Å²).</summary>
    public double DosePerArea(AutopilotOptions o) => Electrons / (o.FovNm * o.FovNm * 100);
}

/// <summary>
/// The acquisition loop: plan → acquire on an <see cref="IMicroscope"/> → update the model → decide, within the
/// probes of the fraction and the instrument's budgets, every decision and its cost appended to <c>log.jsonl</c> (and
/// flushed) before the next. <see cref="ResumeAsync"/> replays the log of a killed run — no acquisition is made twice —
/// and carries on. The Gaussian-process policies start from a low-discrepancy seed of the grid and fit their
/// hyperparameters to it by maximum likelihood.
/// </summary>
public static class AutopilotRun
{
    private const string Options = "run.json", Log = "log.jsonl";

    /// <summary>Starts a run in <paramref name="runDir"/> (created; it must not hold a run already).</summary>
    public static Task<AutopilotResult> RunAsync(IMicroscope microscope, AutopilotOptions options, string runDir, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        options.Check();
        Directory.CreateDirectory(runDir);
        if (File.Exists(Path.Combine(runDir, Log)))
        {
            throw new IOException($"{runDir} holds a run already: resume it, or choose another folder");
        }

        File.WriteAllText(Path.Combine(runDir, Options), JsonSerializer.Serialize(options, Remote.Wire.Json));
        return LoopAsync(microscope, options, runDir, [], progress, cancel);
    }

    /// <summary>Resumes the run in <paramref name="runDir"/> from its log.</summary>
    public static Task<AutopilotResult> ResumeAsync(IMicroscope microscope, string runDir, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        var path = Path.Combine(runDir, Options);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{runDir} holds no run ({Options} is missing)");
        }

        var options = JsonSerializer.Deserialize<AutopilotOptions>(File.ReadAllText(path), Remote.Wire.Json) ?? throw new IOException($"{path} is empty");
        options.Check();
        var steps = new List<JsonObject>();
        var log = Path.Combine(runDir, Log);
        if (File.Exists(log))
        {
            foreach (var line in File.ReadLines(log))
            {
                // A line cut by a kill is not a decision that was made.
                try
                {
                    if (JsonNode.Parse(line) is JsonObject o && o["positions"] is JsonArray && o["values"] is JsonArray)
                    {
                        steps.Add(o);
                    }
                }
                catch (JsonException)
                {
                    break;
                }
            }

            // Rewrite the log without a torn tail, so that it stays one JSON object per line.
            File.WriteAllLines(log, steps.Select(s => s.ToJsonString()));
        }

        return LoopAsync(microscope, options, runDir, steps, progress, cancel);
    }

    private static async Task<AutopilotResult> LoopAsync(IMicroscope microscope, AutopilotOptions o, string runDir, List<JsonObject> replay, IProgress<int>? progress, CancellationToken cancel)
    {
        var ctx = new PolicyContext(o.Grid, o.Seed);
        var policy = Policies.Create(o.Policy);
        var visits = new List<(int, double)>();
        double electrons = 0, time = 0, decisionMs = 0;
        int decisions = 0, budget = o.Probes;
        string? stopped = null;
        var scan = o.Scan;
        if (o.DoseBudgetEPerA2 is { } dose)
        {
            await microscope.SetBudgetAsync(new ExperimentBudget(MaxDosePerAreaEPerA2: dose), cancel).ConfigureAwait(false);
        }

        void Record(int[] positions, double[] values)
        {
            for (int i = 0; i < positions.Length; i++)
            {
                if (!ctx.Visited[positions[i]])
                {
                    ctx.Visited[positions[i]] = true;
                    ctx.VisitedCount++;
                }

                ctx.Values[positions[i]] = values[i];
                ctx.Best = Math.Max(ctx.Best, values[i]);
                visits.Add((positions[i], values[i]));
                ctx.Model?.AddAtCandidate(positions[i], values[i]);
            }
        }

        await using var log = new StreamWriter(Path.Combine(runDir, Log), append: true, new UTF8Encoding(false));
        int replayed = 0, refitAt = 0;
        while (ctx.VisitedCount < budget)
        {
            cancel.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            if (Policies.UsesModel(o.Policy) && ctx.VisitedCount > 0 && (ctx.Model is null || ctx.VisitedCount >= refitAt))
            {
                // Fitted on the seed, refitted each time the observations double: the length scales and the noise
                // that the seed suggested are revised as the map fills in. Deterministic, so a replay refits alike.
                ctx.Model = FitModel(o, ctx);
                refitAt = 2 * ctx.VisitedCount;
            }

            int[] positions;
            JsonObject reason;
            if (replayed < replay.Count)
            {
                // Replaying a logged decision: its positions and values, no acquisition.
                var step = replay[replayed++];
                positions = step["positions"]!.AsArray().Select(n => (int)n!).ToArray();
                var values = step["values"]!.AsArray().Select(n => (double)n!).ToArray();
                Record(positions, values);
                electrons += (double?)step["electrons"] ?? 0;
                time += (double?)step["instrument_time_s"] ?? 0;
                decisions++;
                decisionMs += (double?)step["decision_ms"] ?? 0;
                continue;
            }

            int left = budget - ctx.VisitedCount;
            if (Policies.UsesModel(o.Policy) && ctx.Model is null)
            {
                // The seed of a model policy: a low-discrepancy tenth of the budget (16 to 256 probes).
                (positions, reason) = Policies.Create(PolicyKind.Sobol).Next(ctx, Math.Min(left, Math.Clamp(budget / 10, 16, 256)));
                reason["rule"] = "seed of the model (Halton)";
            }
            else
            {
                (positions, reason) = policy.Next(ctx, Policies.UsesModel(o.Policy) ? 1 : Math.Min(left, 256));
            }

            double ms = clock.Elapsed.TotalMilliseconds;
            if (positions.Length == 0)
            {
                stopped = "no position left to visit";
                break;
            }

            AcquisitionResult result;
            try
            {
                result = await microscope.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.Haadf, Scan = scan, Positions = positions }, null, cancel).ConfigureAwait(false);
            }
            catch (BudgetExceededException e)
            {
                stopped = $"the instrument refused the next acquisition: {e.Message}";
                await log.WriteLineAsync(new JsonObject { ["step"] = decisions, ["stopped"] = stopped, ["limit"] = e.Limit }.ToJsonString()).ConfigureAwait(false);
                break;
            }

            var image = result.Datasets[0];
            var all = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(image.ReadAll()).ToArray();
            var observed = positions.Select(p => (double)all[p]).ToArray();
            Record(positions, observed);
            electrons += result.Cost.TotalElectrons;
            time += result.Cost.InstrumentTimeS;
            decisions++;
            decisionMs += ms;
            var line = new JsonObject
            {
                ["step"] = decisions - 1,
                ["positions"] = new JsonArray(positions.Select(p => (JsonNode)p).ToArray()),
                ["values"] = new JsonArray(observed.Select(v => (JsonNode)v).ToArray()),
                ["reason"] = reason,
                ["decision_ms"] = Math.Round(ms, 3),
                ["electrons"] = result.Cost.TotalElectrons,
                ["instrument_time_s"] = result.Cost.InstrumentTimeS,
                ["dose_e_per_a2"] = result.Cost.DoseEPerA2,
            };
            await log.WriteLineAsync(line.ToJsonString()).ConfigureAwait(false);
            await log.FlushAsync(cancel).ConfigureAwait(false);
            progress?.Report(ctx.VisitedCount);
        }

        var map = o.Policy == PolicyKind.Raster && ctx.VisitedCount == o.Grid * o.Grid ? ctx.Values.ToArray() : Reconstruct(o, ctx);
        return new AutopilotResult(map, visits, decisions, decisions == 0 ? 0 : decisionMs / decisions, electrons, time, stopped);
    }

    /// <summary>The grid in nm from the field's centre, one point per candidate.</summary>
    private static List<double[]> Candidates(AutopilotOptions o)
    {
        double pixel = o.FovNm / o.Grid, c = (o.Grid - 1) / 2.0;
        return Enumerable.Range(0, o.Grid * o.Grid).Select(i => new[] { ((i % o.Grid) - c) * pixel, ((i / o.Grid) - c) * pixel }).ToList();
    }

    /// <summary>Fits a Matérn 5/2 process to the observations so far (at most 400 of them) and builds the grid's model holding them all.</summary>
    private static CandidateGaussianProcess FitModel(AutopilotOptions o, PolicyContext ctx)
    {
        var candidates = Candidates(o);
        var seen = Enumerable.Range(0, ctx.Values.Length).Where(i => ctx.Visited[i]).ToList();
        // Hyperparameters from a spread subset (every k-th observation, at most 150: the fit is O(n³) per evaluation).
        int stride = Math.Max(1, seen.Count / 150);
        var sample = seen.Where((_, k) => k % stride == 0).Take(150).ToList();
        GaussianProcess fit;
        try
        {
            // Length scales of at least a grid pixel, noise of at least a thousandth of the values' variance.
            var bounds = new LikelihoodBounds(MinLengthFraction: 1.0 / o.Grid, MaxLengthFraction: 2, MinNoiseFraction: 1e-3);
            fit = LikelihoodFit.Fit(sample.Select(i => candidates[i]).ToList(), sample.Select(i => ctx.Values[i]).ToList(), KernelKind.Matern52, bounds, starts: 2, seed: (int)(o.Seed % int.MaxValue), maxEvaluations: 300);
        }
        catch (ArgumentException)
        {
            // Too few or degenerate observations: a kernel of a tenth of the field and the values' variance.
            double mean = sample.Count > 0 ? sample.Average(i => ctx.Values[i]) : 0;
            double variance = sample.Count > 1 ? Math.Max(sample.Sum(i => Math.Pow(ctx.Values[i] - mean, 2)) / sample.Count, 1e-12) : 1;
            fit = new GaussianProcess(new Kernel(KernelKind.Matern52, [o.FovNm / 10, o.FovNm / 10], variance), variance * 0.01, mean);
        }

        // Inducing points a length scale apart or closer, between 8 and 24 a side.
        double length = fit.Kernel.LengthScales.Min();
        int side = Math.Clamp((int)Math.Ceiling(o.FovNm / (length / 1.5)), 8, Math.Min(24, o.Grid));
        double step = o.FovNm / side, c0 = (side - 1) / 2.0;
        var inducing = Enumerable.Range(0, side * side).Select(i => new[] { ((i % side) - c0) * step, ((i / side) - c0) * step }).ToList();
        var model = new CandidateGaussianProcess(fit.Kernel, Math.Max(fit.NoiseVariance, 1e-9 * fit.Kernel.SignalVariance), fit.Mean, inducing, candidates);
        foreach (int i in seen)
        {
            model.AddAtCandidate(i, ctx.Values[i]);
        }

        return model;
    }

    /// <summary>The Gaussian-process posterior mean from a run's observations, whatever its policy (a raster's map with its shot noise averaged away).</summary>
    public static double[] Smooth(AutopilotOptions o, AutopilotResult r)
    {
        var ctx = new PolicyContext(o.Grid, o.Seed);
        foreach (var (p, v) in r.Visits)
        {
            ctx.Visited[p] = true;
            ctx.Values[p] = v;
            ctx.VisitedCount++;
        }

        return FitModel(o, ctx).Means.ToArray();
    }

    private static double[] Reconstruct(AutopilotOptions o, PolicyContext ctx)
    {
        var model = ctx.Model ?? FitModel(o, ctx);
        var map = model.Means.ToArray();
        return map;
    }

    /// <summary>Normalised root-mean-square error of <paramref name="map"/> against <paramref name="truth"/>: RMSE over the truth's range (max − min).</summary>
    public static double Nrmse(ReadOnlySpan<double> map, ReadOnlySpan<double> truth)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, se = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            lo = Math.Min(lo, truth[i]);
            hi = Math.Max(hi, truth[i]);
            se += (map[i] - truth[i]) * (map[i] - truth[i]);
        }

        return Math.Sqrt(se / truth.Length) / Math.Max(hi - lo, 1e-300);
    }

    /// <summary>The visited positions as CSV: index, row, column, x and y (nm from the field's centre), value.</summary>
    public static string PositionsCsv(AutopilotOptions o, AutopilotResult r)
    {
        var sb = new StringBuilder("index,row,column,x_nm,y_nm,value\n");
        double pixel = o.FovNm / o.Grid, c = (o.Grid - 1) / 2.0;
        foreach (var (p, v) in r.Visits)
        {
            int row = p / o.Grid, col = p % o.Grid;
            sb.Append(CultureInfo.InvariantCulture, $"{p},{row},{col},{o.CenterXNm + ((col - c) * pixel):R},{o.CenterYNm + ((row - c) * pixel):R},{v:R}\n");
        }

        return sb.ToString();
    }
}
