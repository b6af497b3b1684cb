using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Learning.GaussianProcesses;

namespace Condenser.Acquisition.Autopilot;

/// <summary>
/// The acquisition loop: plan → acquire on an <see cref="IMicroscope"/> → update the model → decide, within the
/// probes of the fraction and the instrument's budgets, every decision and its cost appended to <c>log.jsonl</c> (and
/// flushed) before the next. <see cref="ResumeAsync"/> replays the log of a killed run — no acquisition is made twice —
/// and carries on. The Gaussian-process policies start from a low-discrepancy seed of the grid and fit their
/// hyperparameters to it by maximum likelihood.
/// </summary>
public static partial class AutopilotRun
{
    private const string Options = "run.json", Log = "log.jsonl";

    /// <summary>Inducing points per side of the grid's sparse process at most (24² = 576: the candidates' features then take 38 MB at 128², 151 MB at 256²).</summary>
    private const int MaxInducingSide = 24;

    /// <summary>Observations a hyperparameter fit uses at most (a spread subset of them all).</summary>
    private const int FitSubset = 150;

    /// <summary>The technique of an autopilot's map in its metadata and in the library.</summary>
    public const string Technique = "STEM HAADF (autopilot map)";

    /// <summary>The technique of a strain run's map.</summary>
    public const string StrainTechnique = "4D-STEM strain (autopilot map)";

    /// <summary>The technique of the map of a run with <paramref name="target"/>: what the library files it under, and what a warm start looks for (a strain run learns nothing from a HAADF map's kernel).</summary>
    public static string TechniqueOf(string target) => target == "strain" ? StrainTechnique : Technique;

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
        var options = OptionsOf(runDir);
        options.Check();
        var (steps, whole) = ReadLog(runDir);
        if (whole.Count > 0)
        {
            // Rewrite the log without a torn tail, so that it stays one JSON object per line (retries and stops kept).
            File.WriteAllLines(Path.Combine(runDir, Log), whole);
        }

        return LoopAsync(microscope, options, runDir, steps, progress, cancel, live);
    }

    /// <summary>The decisions logged in <paramref name="runDir"/>, in order (each with its positions, values, reason and cost), up to a line cut by a kill.</summary>
    public static IReadOnlyList<JsonObject> Decisions(string runDir) => ReadLog(runDir).Steps;

    private static (List<JsonObject> Steps, List<string> Whole) ReadLog(string runDir)
    {
        var steps = new List<JsonObject>();
        var whole = new List<string>();
        var log = Path.Combine(runDir, Log);
        if (!File.Exists(log))
        {
            return (steps, whole);
        }

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

        return (steps, whole);
    }

    /// <summary>
    /// The error of a finished run's map against the twin's truth (<see cref="Nrmse"/>): its noise-free HAADF at the
    /// run's optics, or for a strain run the imposed strain in the run's convention (<see cref="StrainTarget.Truth"/>).
    /// </summary>
    public static async Task<double> TruthErrorAsync(TwinOptions twin, OpticsChange optics, string runDir, AutopilotResult result, CancellationToken cancel = default)
    {
        var o = OptionsOf(runDir);
        var truth = o.Target == "strain"
            ? StrainTarget.Truth(Scenes.Create(twin.Scene, twin.Seed), o, StrainTarget.ReferenceOf(runDir))
            : await GroundTruth.HaadfAsync(twin, o.CenterXNm, o.CenterYNm, o.FovNm, o.Grid, o.DwellUs, optics, cancel).ConfigureAwait(false);
        return Nrmse(result.Map, truth);
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
        var strain = o.Target == "strain" ? StrainTarget.Open(runDir, o) : null;
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
                (positions, reason) = Policies.Fallback(ctx, o.Policy, modelFailure);
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

            var request = strain is null ? new AcquisitionRequest { Detector = DetectorKind.Haadf, Scan = scan, Positions = positions, Angles = o.Angles } : StrainTarget.Request(o, positions);
            var (result, observed, failure, limit) = await AcquireAsync(microscope, request, o, decisions, Note, strain, cancel).ConfigureAwait(false);
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
        if (!complete && o.Reconstruction == "tv" && sigma > 0 && ctx.Values.Any(double.IsFinite))
        {
            // The probes inpainted with a total-variation prior at λ = 1 (in units of one probe's noise).
            Condenser.Processing.Imaging.TotalVariation.Inpaint(ctx.Values, o.Grid, o.Grid, sigma, 1, 500, map);
        }

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
    private static async Task<(AcquisitionResult? Result, double[] Observed, string? Failure, string? Limit)> AcquireAsync(IMicroscope microscope, AcquisitionRequest request, AutopilotOptions o, int step, Func<JsonObject, Task> note, StrainTarget? strain, CancellationToken cancel)
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

                    var positions = request.Positions!.ToArray();
                    return (result, strain?.Values(result, positions) ?? Observed(result, positions, o.Grid), null, null);
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
