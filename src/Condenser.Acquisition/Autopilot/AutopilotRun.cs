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

    /// <summary>What is mapped: <c>haadf</c> (the HAADF map), or <c>features</c> (the HAADF map and the bright regions in it: particles, precipitates).</summary>
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

    /// <summary>Inner and outer angles of the scan detector (mrad); null: the instrument's HAADF detector.</summary>
    public DetectorAngles? Angles { get; init; }

    /// <summary>A warm start: hyperparameters proposed from past runs (<see cref="ModelPriors.Propose"/>); the model policies then decide from the first probe, with no seed, and fit their own once they hold 150 observations (as many as a fit uses).</summary>
    public ModelPrior? Prior { get; init; }

    /// <summary>How long one acquisition may take before it counts as failed (s).</summary>
    public double AcquireTimeoutS { get; init; } = 120;

    /// <summary>Tries after a failed or timed-out acquisition before the run stops (with the reason logged).</summary>
    public int AcquireRetries { get; init; } = 2;

    /// <summary>Refuses options out of range.</summary>
    public void Check()
    {
        if (Target is not ("haadf" or "features"))
        {
            throw new ArgumentException($"--target '{Target}': this build maps haadf and features; strain and phase are not built yet");
        }

        if (!(AcquireTimeoutS > 0) || !double.IsFinite(AcquireTimeoutS) || AcquireRetries is < 0 or > 10)
        {
            throw new ArgumentException("the acquisition timeout must be a positive number of seconds and the retries lie in 0..10");
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

        if (Angles is { } a && !(a.InnerMrad >= 0 && a.OuterMrad > a.InnerMrad && double.IsFinite(a.OuterMrad)))
        {
            throw new ArgumentException($"--detector-angles {a.InnerMrad},{a.OuterMrad}: give inner,outer in mrad with 0 ≤ inner < outer");
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
/// <param name="Threshold">The feature threshold (<see cref="FeatureDetection.Threshold"/>) of the run's unsteered observations: the seed or survey of a model policy, every observation of a fixed sequence.</param>
/// <param name="Fallbacks">Decisions that the safe policy made because the model could not (each logged with its reason).</param>
/// <param name="Error">The standard error of each map value: the spread of one observation for a raw raster, the posterior standard deviation of a reconstruction.</param>
/// <param name="Model">The Gaussian process of the map (null for a raw raster or when none could be built): what later runs may start from.</param>
public sealed record AutopilotResult(double[] Map, IReadOnlyList<(int Position, double Value)> Visits, int Decisions, double MeanDecisionMs, double Electrons, double InstrumentTimeS, string? Stopped, double Threshold, int Fallbacks, double[] Error, RunModel? Model)
{
    /// <summary>
    /// The bright regions above <see cref="Threshold"/>, on the observations where the run probed and on the
    /// reconstruction where it did not: a reconstruction smooths a particle seen by a few probes away, the probes
    /// themselves do not.
    /// </summary>
    public List<DetectedFeature> Features(AutopilotOptions o)
    {
        var map = Map.ToArray();
        foreach (var (p, v) in Visits)
        {
            if (double.IsFinite(v))
            {
                map[p] = v;
            }
        }

        return FeatureDetection.Detect(map, o, Threshold);
    }

    /// <summary>Electrons over the field's area (e⁻/Å²).</summary>
    public double DosePerArea(AutopilotOptions o) => Electrons / (o.FovNm * o.FovNm * 100);
}

/// <summary>A running campaign's map so far.</summary>
/// <param name="Positions">Grid positions visited, in order.</param>
/// <param name="Values">Their values (NaN where an answer was not a number).</param>
/// <param name="Mean">The model's posterior mean over the grid (null before a model is fitted, and for the fixed sequences).</param>
/// <param name="Std">Its posterior standard deviation.</param>
public sealed record AutopilotSnapshot(int[] Positions, double[] Values, double[]? Mean, double[]? Std);

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

    /// <summary>Inducing points per side of the grid's sparse process at most (24² = 576: the candidates' features then take 38 MB at 128², 151 MB at 256²).</summary>
    private const int MaxInducingSide = 24;

    /// <summary>Observations a hyperparameter fit uses at most (a spread subset of them all).</summary>
    private const int FitSubset = 150;

    /// <summary>The technique of an autopilot's map in its metadata and in the library.</summary>
    public const string Technique = "STEM HAADF (autopilot map)";

    /// <summary>Starts a run in <paramref name="runDir"/> (created; it must not hold a run already).</summary>
    /// <param name="microscope">The instrument.</param>
    /// <param name="options">What the run does.</param>
    /// <param name="runDir">Its folder.</param>
    /// <param name="progress">Positions visited so far, after each decision.</param>
    /// <param name="cancel">Stops the run between decisions (its log stays resumable).</param>
    /// <param name="live">The map so far, every 2 % of the probes or so (for a view of a running campaign).</param>
    public static Task<AutopilotResult> RunAsync(IMicroscope microscope, AutopilotOptions options, string runDir, IProgress<int>? progress = null, CancellationToken cancel = default, Action<AutopilotSnapshot>? live = null)
    {
        options.Check();
        Directory.CreateDirectory(runDir);
        if (File.Exists(Path.Combine(runDir, Log)))
        {
            throw new IOException($"{runDir} holds a run already: resume it, or choose another folder");
        }

        File.WriteAllText(Path.Combine(runDir, Options), JsonSerializer.Serialize(options, Remote.Wire.Json));
        return LoopAsync(microscope, options, runDir, [], progress, cancel, live);
    }

    /// <summary>Resumes the run in <paramref name="runDir"/> from its log.</summary>
    public static Task<AutopilotResult> ResumeAsync(IMicroscope microscope, string runDir, IProgress<int>? progress = null, CancellationToken cancel = default, Action<AutopilotSnapshot>? live = null)
    {
        var path = Path.Combine(runDir, Options);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{runDir} holds no run ({Options} is missing)");
        }

        var options = JsonSerializer.Deserialize<AutopilotOptions>(File.ReadAllText(path), Remote.Wire.Json) ?? throw new IOException($"{path} is empty");
        options.Check();
        var steps = new List<JsonObject>();
        var whole = new List<string>();
        var log = Path.Combine(runDir, Log);
        if (File.Exists(log))
        {
            foreach (var line in File.ReadLines(log))
            {
                // A line cut by a kill is not a decision that was made.
                try
                {
                    if (JsonNode.Parse(line) is JsonObject o)
                    {
                        whole.Add(line);
                        if (o["positions"] is JsonArray && o["values"] is JsonArray)
                        {
                            steps.Add(o);
                        }
                    }
                }
                catch (JsonException)
                {
                    break;
                }
            }

            // Rewrite the log without a torn tail, so that it stays one JSON object per line (retries and stops kept).
            File.WriteAllLines(log, whole);
        }

        return LoopAsync(microscope, options, runDir, steps, progress, cancel, live);
    }

    /// <summary>The options of the run in <paramref name="runDir"/> (its <c>run.json</c>).</summary>
    public static AutopilotOptions OptionsOf(string runDir)
    {
        var path = Path.Combine(runDir, Options);
        return File.Exists(path) ? JsonSerializer.Deserialize<AutopilotOptions>(File.ReadAllText(path), Remote.Wire.Json) ?? throw new IOException($"{path} is empty")
            : throw new FileNotFoundException($"{runDir} holds no run ({Options} is missing)");
    }

    private static async Task<AutopilotResult> LoopAsync(IMicroscope microscope, AutopilotOptions o, string runDir, List<JsonObject> replay, IProgress<int>? progress, CancellationToken cancel, Action<AutopilotSnapshot>? live)
    {
        var ctx = new PolicyContext(o.Grid, o.Seed);
        var policy = o.Policy == PolicyKind.Campaign ? Policies.Campaign(o.Fraction) : Policies.Create(o.Policy);
        bool model = Policies.UsesModel(o.Policy);
        var visits = new List<(int, double)>();
        double electrons = 0, time = 0, decisionMs = 0;
        int decisions = 0, budget = o.Probes, firstStep = 0, fallbacks = 0;
        string? stopped = null, modelFailure = null;
        var scan = o.Scan;
        if (o.DoseBudgetEPerA2 is { } dose)
        {
            await microscope.SetBudgetAsync(new ExperimentBudget(MaxDosePerAreaEPerA2: dose), cancel).ConfigureAwait(false);
        }

        void Record(int[] positions, double[] values)
        {
            if (decisions == 0)
            {
                firstStep = positions.Length;
            }

            for (int i = 0; i < positions.Length; i++)
            {
                if (!ctx.Visited[positions[i]])
                {
                    ctx.Visited[positions[i]] = true;
                    ctx.VisitedCount++;
                }

                visits.Add((positions[i], values[i]));
                // A value that is not a number is visited (its dose was spent) but teaches the model nothing.
                if (double.IsFinite(values[i]))
                {
                    ctx.Values[positions[i]] = values[i];
                    ctx.Best = Math.Max(ctx.Best, values[i]);
                    ctx.Model?.AddAtCandidate(positions[i], values[i]);
                }
            }
        }

        await using var log = new StreamWriter(Path.Combine(runDir, Log), append: true, new UTF8Encoding(false));
        async Task Note(JsonObject line)
        {
            await log.WriteLineAsync(line.ToJsonString()).ConfigureAwait(false);
            await log.FlushAsync(cancel).ConfigureAwait(false);
        }

        int replayed = 0, refitAt = 0, coldSeed = Math.Clamp(budget / 10, 16, 256), shownAt = 0;
        if (model && o.Prior is { } prior)
        {
            // Warm: the past runs' model decides from the first probe; the run fits its own once it holds as many
            // observations as a fit uses (150), where its own estimate can match the past runs'.
            ctx.Model = BuildModel(o, ctx, new Kernel(prior.Model.Kernel, prior.Model.LengthScalesNm, prior.Model.SignalVariance), prior.Model.NoiseVariance, prior.Model.Mean);
            refitAt = FitSubset;
        }

        while (ctx.VisitedCount < budget)
        {
            cancel.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            if (model && ctx.VisitedCount > 0 && ((ctx.Model is null && modelFailure is null) || ctx.VisitedCount >= refitAt))
            {
                // Fitted on the seed, refitted each time the observations double: the length scales and the noise
                // that the seed suggested are revised as the map fills in. Deterministic, so a replay refits alike.
                refitAt = 2 * ctx.VisitedCount;
                try
                {
                    ctx.Model = FitModel(o, ctx);
                    modelFailure = null;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException)
                {
                    // A kernel that cannot be factored steers nothing: the safe policy decides until the next refit.
                    ctx.Model = null;
                    modelFailure = $"the model could not be fitted: {e.Message}";
                }

                if (o.Policy == PolicyKind.Campaign && double.IsNaN(ctx.Threshold))
                {
                    ctx.Threshold = FeatureDetection.Threshold(visits.Select(v => v.Item2).ToList());
                }
            }

            int[] positions;
            JsonObject reason;
            if (replayed < replay.Count)
            {
                // Replaying a logged decision: its positions and values, no acquisition.
                var step = replay[replayed++];
                positions = step["positions"]!.AsArray().Select(n => (int)n!).ToArray();
                var values = step["values"]!.AsArray().Select(n => n is null ? double.NaN : (double)n).ToArray();
                fallbacks += ((string?)step["reason"]?["rule"])?.StartsWith("fallback", StringComparison.Ordinal) == true ? 1 : 0;
                Record(positions, values);
                electrons += (double?)step["electrons"] ?? 0;
                time += (double?)step["instrument_time_s"] ?? 0;
                decisions++;
                decisionMs += (double?)step["decision_ms"] ?? 0;
                continue;
            }

            int left = budget - ctx.VisitedCount;
            if (o.Policy == PolicyKind.Campaign && (ctx.VisitedCount == 0 || ctx.Model is not null))
            {
                // Survey, then targets in batches, then the straddle one probe at a time.
                (positions, reason) = policy.Next(ctx, left);
            }
            else if (model && ctx.VisitedCount == 0 && o.Prior is null)
            {
                // The seed of a model policy: a low-discrepancy tenth of the budget (16 to 256 probes).
                (positions, reason) = Policies.Create(PolicyKind.Sobol).Next(ctx, Math.Min(left, coldSeed));
                reason["rule"] = "seed of the model (Halton)";
            }
            else if (model && ctx.Model is null)
            {
                (positions, reason) = Policies.Create(PolicyKind.Sobol).Next(ctx, 1);
                reason["policy"] = o.Policy.ToString();
                reason["rule"] = "fallback: Halton";
                reason["why"] = modelFailure;
            }
            else
            {
                (positions, reason) = policy.Next(ctx, model ? 1 : Math.Min(left, 256));
            }

            fallbacks += ((string?)reason["rule"])?.StartsWith("fallback", StringComparison.Ordinal) == true ? 1 : 0;
            if (decisions == 0 && o.Prior is not null)
            {
                reason["warm_start"] = new JsonArray(o.Prior.Evidence.Select(e => (JsonNode)e.RecordId).ToArray());
            }

            double ms = clock.Elapsed.TotalMilliseconds;
            if (positions.Length == 0)
            {
                stopped = "no position left to visit";
                break;
            }

            var request = new AcquisitionRequest { Detector = DetectorKind.Haadf, Scan = scan, Positions = positions, Angles = o.Angles };
            var (result, observed, failure, limit) = await AcquireAsync(microscope, request, o, decisions, Note, cancel).ConfigureAwait(false);
            if (result is null)
            {
                stopped = failure;
                await Note(new JsonObject { ["step"] = decisions, ["stopped"] = stopped, ["limit"] = limit }).ConfigureAwait(false);
                break;
            }

            Record(positions, observed);
            electrons += result.Cost.TotalElectrons;
            time += result.Cost.InstrumentTimeS;
            decisions++;
            decisionMs += ms;
            await Note(new JsonObject
            {
                ["step"] = decisions - 1,
                ["positions"] = new JsonArray(positions.Select(p => (JsonNode)p).ToArray()),
                ["values"] = new JsonArray(observed.Select(v => double.IsFinite(v) ? (JsonNode)v : null).ToArray()),
                ["reason"] = reason,
                ["decision_ms"] = Math.Round(ms, 3),
                ["electrons"] = result.Cost.TotalElectrons,
                ["instrument_time_s"] = result.Cost.InstrumentTimeS,
                ["dose_e_per_a2"] = result.Cost.DoseEPerA2,
            }).ConfigureAwait(false);
            progress?.Report(ctx.VisitedCount);
            if (live is not null && ctx.VisitedCount >= shownAt)
            {
                shownAt = ctx.VisitedCount + Math.Max(8, budget / 50);
                live(Snapshot(ctx, visits));
            }
        }

        var unsteered = (model ? visits.Take(firstStep) : visits).Select(v => v.Item2).ToList();
        var (level, sigma) = FeatureDetection.Support(unsteered);
        bool complete = o.Policy == PolicyKind.Raster && ctx.VisitedCount == o.Grid * o.Grid && ctx.Values.All(double.IsFinite);
        var (map, error, used) = complete ? (ctx.Values.ToArray(), Enumerable.Repeat(sigma, ctx.Values.Length).ToArray(), null) : Reconstruct(o, ctx, sigma);
        if (complete)
        {
            try
            {
                used = FitModel(o, ctx);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException)
            {
            }
        }

        var runModel = used is null ? null : new RunModel(used.Kernel.Kind, [.. used.Kernel.LengthScales], used.Kernel.SignalVariance, used.NoiseVariance, used.Mean, o.DwellUs);
        return new AutopilotResult(map, visits, decisions, decisions == 0 ? 0 : decisionMs / decisions, electrons, time, stopped, level + (FeatureDetection.Sigmas * sigma), fallbacks, error, runModel);
    }

    private static AutopilotSnapshot Snapshot(PolicyContext ctx, List<(int, double)> visits) => new(
        visits.Select(v => v.Item1).ToArray(),
        visits.Select(v => v.Item2).ToArray(),
        ctx.Model?.Means.ToArray(),
        ctx.Model?.Variances.ToArray().Select(v => Math.Sqrt(Math.Max(v, 0))).ToArray());

    /// <summary>
    /// One acquisition, within the run's timeout, tried again after a failure (each try logged with its reason, after
    /// a pause that doubles from 0.5 s); an interlock or budget refusal is not tried again. Null with the reason when it
    /// could not be made. The dose of an acquisition that timed out is not known to the run: the instrument's budget
    /// still counts it.
    /// </summary>
    private static async Task<(AcquisitionResult? Result, double[] Observed, string? Failure, string? Limit)> AcquireAsync(IMicroscope microscope, AcquisitionRequest request, AutopilotOptions o, int step, Func<JsonObject, Task> note, CancellationToken cancel)
    {
        for (int attempt = 1; ; attempt++)
        {
            string failure;
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                limit.CancelAfter(TimeSpan.FromSeconds(o.AcquireTimeoutS));
                try
                {
                    var result = await microscope.AcquireAsync(request, null, limit.Token).ConfigureAwait(false);
                    if (result.Datasets.Count == 0)
                    {
                        throw new InvalidDataException("the microscope answered with no data");
                    }

                    return (result, Observed(result, request.Positions!.ToArray(), o.Grid), null, null);
                }
                catch (InterlockException e)
                {
                    return (null, [], $"the instrument refused the next acquisition: {e.Message}", e.Limit);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    failure = $"the microscope did not answer within {o.AcquireTimeoutS:0.###} s";
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failure = $"the acquisition failed: {e.Message}";
                }
            }

            if (attempt > o.AcquireRetries)
            {
                return (null, [], $"{failure} ({attempt} tries)", null);
            }

            await note(new JsonObject { ["step"] = step, ["retry"] = attempt, ["why"] = failure }).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(0.5 * (1 << (attempt - 1))), cancel).ConfigureAwait(false);
        }
    }

    /// <summary>The values at <paramref name="positions"/> of an acquisition's image, which holds either the full grid (the twin) or the positions in order.</summary>
    private static double[] Observed(AcquisitionResult result, int[] positions, int grid)
    {
        var all = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(result.Datasets[0].ReadAll()).ToArray();
        if (all.Length == grid * grid)
        {
            return positions.Select(p => (double)all[p]).ToArray();
        }

        if (all.Length == positions.Length)
        {
            return all.Select(v => (double)v).ToArray();
        }

        throw new InvalidDataException($"the microscope answered {all.Length} values for {positions.Length} positions on a {grid} × {grid} grid");
    }

    /// <summary>The grid in nm from the field's centre, one point per candidate.</summary>
    private static List<double[]> Candidates(AutopilotOptions o)
    {
        double pixel = o.FovNm / o.Grid, c = (o.Grid - 1) / 2.0;
        return Enumerable.Range(0, o.Grid * o.Grid).Select(i => new[] { ((i % o.Grid) - c) * pixel, ((i / o.Grid) - c) * pixel }).ToList();
    }

    /// <summary>Fits a Matérn 5/2 process to the observations so far (a spread subset of at most 150 of them) and builds the grid's model holding them all.</summary>
    private static CandidateGaussianProcess FitModel(AutopilotOptions o, PolicyContext ctx)
    {
        var candidates = Candidates(o);
        var seen = Enumerable.Range(0, ctx.Values.Length).Where(i => ctx.Visited[i] && double.IsFinite(ctx.Values[i])).ToList();
        if (seen.Count == 0)
        {
            throw new InvalidOperationException("no observation so far is a finite number");
        }

        // Hyperparameters from a spread subset (every k-th observation, at most 150: the fit is O(n³) per evaluation).
        int stride = Math.Max(1, seen.Count / FitSubset);
        var sample = seen.Where((_, k) => k % stride == 0).Take(FitSubset).ToList();
        GaussianProcess fit;
        try
        {
            // Length scales of at least a grid pixel and of what the inducing points can carry (1.5 of their closest
            // spacing), noise of at least a thousandth of the values' variance: a fit free to go shorter explains the
            // noise as signal, and the sparse model then swings between its inducing points.
            var bounds = new LikelihoodBounds(MinLengthFraction: Math.Max(1.0 / o.Grid, 1.5 / Math.Min(MaxInducingSide, o.Grid)), MaxLengthFraction: 2, MinNoiseFraction: 1e-3);
            fit = LikelihoodFit.Fit(sample.Select(i => candidates[i]).ToList(), sample.Select(i => ctx.Values[i]).ToList(), KernelKind.Matern52, bounds, starts: 2, seed: (int)(o.Seed % int.MaxValue), maxEvaluations: 300);
        }
        catch (ArgumentException)
        {
            // Too few or degenerate observations: a kernel of a tenth of the field and the values' variance.
            double mean = sample.Count > 0 ? sample.Average(i => ctx.Values[i]) : 0;
            double variance = sample.Count > 1 ? Math.Max(sample.Sum(i => Math.Pow(ctx.Values[i] - mean, 2)) / sample.Count, 1e-12) : 1;
            fit = new GaussianProcess(new Kernel(KernelKind.Matern52, [o.FovNm / 10, o.FovNm / 10], variance), variance * 0.01, mean);
        }

        return BuildModel(o, ctx, fit.Kernel, fit.NoiseVariance, fit.Mean);
    }

    /// <summary>The grid's sparse process with <paramref name="kernel"/>, holding every finite observation so far; inducing points a length scale apart or closer, between 8 and 24 a side.</summary>
    private static CandidateGaussianProcess BuildModel(AutopilotOptions o, PolicyContext ctx, Kernel kernel, double noiseVariance, double mean)
    {
        var candidates = Candidates(o);
        double length = kernel.LengthScales.Min();
        int side = Math.Clamp((int)Math.Ceiling(o.FovNm / (length / 1.5)), 8, Math.Min(MaxInducingSide, o.Grid));
        double step = o.FovNm / side, c0 = (side - 1) / 2.0;
        if (length < 1.5 * step)
        {
            // Inducing points far apart for the length scale: between them the process has no features and its mean
            // swings (the full raster of a 128² grid smoothed this way was worse than raw). The model keeps to what its
            // inducing points can carry: length scales of at least 1.5 of their spacing.
            kernel = kernel with { LengthScales = [.. kernel.LengthScales.Select(l => Math.Max(l, 1.5 * step))] };
        }

        var inducing = Enumerable.Range(0, side * side).Select(i => new[] { ((i % side) - c0) * step, ((i / side) - c0) * step }).ToList();
        var model = new CandidateGaussianProcess(kernel, Math.Max(noiseVariance, 1e-9 * kernel.SignalVariance), mean, inducing, candidates);
        for (int i = 0; i < ctx.Values.Length; i++)
        {
            if (ctx.Visited[i] && double.IsFinite(ctx.Values[i]))
            {
                model.AddAtCandidate(i, ctx.Values[i]);
            }
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
        }

        ctx.VisitedCount = ctx.Visited.Count(v => v);

        return FitModel(o, ctx).Means.ToArray();
    }

    /// <summary>The posterior mean of the run's model over the grid; where no model can be built, each position takes its nearest observation's value.</summary>
    private static (double[] Map, double[] Error, CandidateGaussianProcess? Model) Reconstruct(AutopilotOptions o, PolicyContext ctx, double sigma)
    {
        try
        {
            var model = ctx.Model ?? FitModel(o, ctx);
            var map = model.Means.ToArray();
            var error = model.Variances.ToArray().Select(v => Math.Sqrt(Math.Max(v, 0))).ToArray();
            if (map.All(double.IsFinite) && error.All(double.IsFinite))
            {
                return (map, error, model);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException)
        {
        }

        var seen = Enumerable.Range(0, ctx.Values.Length).Where(i => ctx.Visited[i] && double.IsFinite(ctx.Values[i])).ToArray();
        var nearest = new double[ctx.Values.Length];
        for (int p = 0; p < nearest.Length; p++)
        {
            int best = -1;
            long bestD = long.MaxValue;
            foreach (int q in seen)
            {
                long dr = (p / o.Grid) - (q / o.Grid), dc = (p % o.Grid) - (q % o.Grid), d = (dr * dr) + (dc * dc);
                if (d < bestD)
                {
                    (bestD, best) = (d, q);
                }
            }

            nearest[p] = best < 0 ? double.NaN : ctx.Values[best];
        }

        return (nearest, Enumerable.Repeat(sigma, nearest.Length).ToArray(), null);
    }

    /// <summary>
    /// Normalised root-mean-square error of <paramref name="map"/> against <paramref name="truth"/>: the RMSE over the
    /// truth's mean magnitude (a relative error). Not over the truth's range, which a nearly uniform field (a matrix with
    /// a thin plate in it) makes small enough to turn any noise into an error of several hundred per cent.
    /// </summary>
    public static double Nrmse(ReadOnlySpan<double> map, ReadOnlySpan<double> truth)
    {
        double scale = 0, se = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            scale += Math.Abs(truth[i]);
            se += (map[i] - truth[i]) * (map[i] - truth[i]);
        }

        return Math.Sqrt(se / truth.Length) / Math.Max(scale / truth.Length, 1e-300);
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
