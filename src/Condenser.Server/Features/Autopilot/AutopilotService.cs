using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Catalog;
using Condenser.Catalog.Access;
using Condenser.Catalog.Priors;
using Condenser.Server.Hosting;

namespace Condenser.Server.Features.Autopilot;

/// <summary>
/// Autonomous runs on the server's digital twin, each in its folder under <c>DATA_DIR/autopilot/ID</c> (the CLI's run
/// folder: <c>run.json</c>, <c>log.jsonl</c>, then <c>map.emd</c>), one background task per running run. A run stopped
/// through the API, or cut off when the server stopped, is listed as stopped and resumes from its log; a finished
/// run's map is recorded in the library under the project asked for, as whoever (re)started it.
/// </summary>
public sealed class AutopilotService : IDisposable
{
    private const string TwinFile = "twin.json", ResultFile = "result.json";
    private readonly string _root;
    private readonly Library _library;
    private readonly ConcurrentDictionary<string, Run> _runs = new();

    /// <summary>The runs under <paramref name="options"/>' data directory, those on disk included.</summary>
    public AutopilotService(ServerOptions options, Library library)
    {
        _library = library;
        _root = Path.Combine(options.DataDirectory, "autopilot");
        Directory.CreateDirectory(_root);
        foreach (var dir in Directory.EnumerateDirectories(_root))
        {
            try
            {
                var run = Run.Load(dir);
                _runs[run.Id] = run;
            }
            catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or ArgumentException)
            {
                // A folder that holds no readable run is not one: it is left alone.
            }
        }
    }

    /// <summary>Every run, newest first.</summary>
    public IReadOnlyList<AutopilotRunView> List(Principal who)
    {
        Reader(who);
        return _runs.Values.OrderByDescending(r => r.StartedMs).ThenBy(r => r.Id, StringComparer.Ordinal).Select(r => r.View()).ToList();
    }

    /// <summary>One run.</summary>
    public AutopilotRunView Get(string id, Principal who)
    {
        Reader(who);
        return Find(id).View();
    }

    /// <summary>Its map so far.</summary>
    public AutopilotMapView Map(string id, Principal who)
    {
        Reader(who);
        return Find(id).MapView();
    }

    /// <summary>Starts a run.</summary>
    public AutopilotRunView Start(AutopilotRunRequest q, Principal who)
    {
        Operator(who);
        try
        {
            return Begin(q, who);
        }
        catch (ArgumentException e)
        {
            throw new CatalogException(CatalogError.Invalid, e.Message);
        }
    }

    private AutopilotRunView Begin(AutopilotRunRequest q, Principal who)
    {
        var policy = Policies.Parse(q.Policy ?? throw new CatalogException(CatalogError.Invalid, "policy: give raster, random, sobol, gp-variance, gp-ucb, gp-ei or campaign"));
        var o = new AutopilotOptions
        {
            Policy = policy,
            Target = q.Target ?? "haadf",
            StrainComponent = q.StrainComponent ?? "magnitude",
            Fraction = q.Fraction ?? 0.2,
            Grid = q.Grid ?? 64,
            FovNm = q.FovNm ?? 200,
            CenterXNm = q.CenterXNm ?? 0,
            CenterYNm = q.CenterYNm ?? 0,
            DwellUs = q.DwellUs ?? 10,
            Seed = q.Seed ?? 1,
        };
        o.Check();
        if (o.Grid > 256)
        {
            throw new ArgumentException($"grid {o.Grid}: runs on the server map at most 256 × 256 positions");
        }

        string scene = q.Scene ?? "nanoparticles";
        if (!Scenes.Names.Contains(scene))
        {
            throw new ArgumentException($"scene '{scene}': give one of {string.Join(", ", Scenes.Names)}");
        }

        if (q.ConvergenceMrad is { } a && !(a > 0 && double.IsFinite(a)))
        {
            throw new ArgumentException($"convergence_mrad {a} must be a positive number");
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var run = new Run(id, Path.Combine(_root, id), who.Name, scene, o.Seed, q.ConvergenceMrad, q.Project ?? "autopilot", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), o);
        Directory.CreateDirectory(run.Dir);
        run.Save();
        _runs[id] = run;
        Launch(run, who, resume: false);
        return run.View();
    }

    /// <summary>Stops a running run between two decisions; it stays resumable.</summary>
    public async Task<AutopilotRunView> StopAsync(string id, Principal who)
    {
        Operator(who);
        var run = Find(id);
        if (run.Task is { } task && run.State == "running")
        {
            await run.Cancel!.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false);
        }

        return run.View();
    }

    /// <summary>Resumes a stopped run from its log.</summary>
    public AutopilotRunView Resume(string id, Principal who)
    {
        Operator(who);
        var run = Find(id);
        if (run.State is "running" or "finished")
        {
            throw new CatalogException(CatalogError.Conflict, $"run {id} is {run.State}: only a stopped or failed run resumes");
        }

        Launch(run, who, resume: true);
        return run.View();
    }

    /// <summary>Waits for a run's task (tests and shutdown).</summary>
    public Task WhenDone(string id) => Find(id).Task ?? Task.CompletedTask;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var run in _runs.Values)
        {
            run.Cancel?.Cancel();
        }

        Task.WaitAll([.. _runs.Values.Select(r => r.Task).OfType<Task>()], TimeSpan.FromSeconds(30));
    }

    private Run Find(string id) => _runs.TryGetValue(id, out var run) ? run : throw new CatalogException(CatalogError.NotFound, $"no autopilot run '{new string([.. id.Take(80).Select(c => char.IsControl(c) ? '?' : c)])}'");

    private static void Reader(Principal who)
    {
        if (!who.IsAuthenticated)
        {
            throw new CatalogException(CatalogError.Unauthenticated, "autopilot runs are shown to signed-in users");
        }
    }

    private static void Operator(Principal who)
    {
        Reader(who);
        if (!who.IsAdmin && who.Role != Role.Contributor)
        {
            throw new CatalogException(CatalogError.Forbidden, "only contributors and admins operate the instrument");
        }
    }

    private void Launch(Run run, Principal who, bool resume)
    {
        lock (run)
        {
            if (run.State == "running")
            {
                throw new CatalogException(CatalogError.Conflict, $"run {run.Id} is running");
            }

            run.State = "running";
            run.Error = null;
            run.Cancel = new CancellationTokenSource();
            var cancel = run.Cancel.Token;
            run.Task = Task.Run(() => Execute(run, who, resume, cancel));
        }
    }

    private async Task Execute(Run run, Principal who, bool resume, CancellationToken cancel)
    {
        try
        {
            var twinOptions = new TwinOptions { Scene = run.Scene, Seed = run.Seed };
            var optics = new OpticsChange { ConvergenceMrad = run.ConvergenceMrad };
            await using var twin = new DigitalTwin(twinOptions);
            await twin.SetOpticsAsync(optics, cancel).ConfigureAwait(false);
            var progress = new Counter(run);
            void Live(AutopilotSnapshot s) => run.Snapshot = s;
            var result = resume
                ? await AutopilotRun.ResumeAsync(twin, run.Dir, progress, cancel, Live).ConfigureAwait(false)
                : await AutopilotRun.RunAsync(twin, run.Options, run.Dir, progress, cancel, Live).ConfigureAwait(false);
            var o = AutopilotRun.OptionsOf(run.Dir);
            run.Nrmse = await AutopilotRun.TruthErrorAsync(twinOptions, optics, run.Dir, result, cancel).ConfigureAwait(false);
            run.Stopped = result.Stopped;
            run.Probes = result.Visits.Count;
            run.Snapshot = new AutopilotSnapshot([.. result.Visits.Select(v => v.Position)], [.. result.Visits.Select(v => v.Value)], result.Map, result.Error);
            var state = await twin.GetStateAsync(cancel).ConfigureAwait(false);
            var mapPath = Path.Combine(run.Dir, "map.emd");
            RunMap.Write(mapPath, o, result, (await twin.DescribeAsync(cancel).ConfigureAwait(false)).Name, state.Optics, run.Nrmse);
            try
            {
                var outcome = RunRecords.Record(_library, who, mapPath, run.Scene, [], $"autopilot {o.Policy} run {run.Id}, {result.Visits.Count} probes, {o.Target}");
                run.Record = outcome.Ids.FirstOrDefault();
                run.LibraryError = outcome.Error;
            }
            catch (CatalogException e)
            {
                run.LibraryError = e.Message;
            }

            run.State = "finished";
            run.Save();
        }
        catch (OperationCanceledException)
        {
            run.State = "stopped";
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or InvalidDataException)
        {
            run.State = "failed";
            run.Error = e.Message;
        }
    }

    /// <summary>Probes made, set on the run's own thread (no synchronisation context to post to).</summary>
    private sealed class Counter(Run run) : IProgress<int>
    {
        public void Report(int value) => run.Probes = value;
    }

    /// <summary>A run and what is known of it.</summary>
    private sealed class Run(string id, string dir, string owner, string scene, ulong seed, double? convergence, string project, long startedMs, AutopilotOptions options)
    {
        public string Id { get; } = id;

        public string Dir { get; } = dir;

        public string Owner { get; } = owner;

        public string Scene { get; } = scene;

        public ulong Seed { get; } = seed;

        public double? ConvergenceMrad { get; } = convergence;

        public string Project { get; } = project;

        public long StartedMs { get; } = startedMs;

        public AutopilotOptions Options { get; } = options;

        public volatile string State = "stopped";

        public volatile int Probes;

        public string? Stopped { get; set; }

        public string? Error { get; set; }

        public double? Nrmse { get; set; }

        public string? Record { get; set; }

        public string? LibraryError { get; set; }

        public AutopilotSnapshot? Snapshot { get; set; }

        public CancellationTokenSource? Cancel { get; set; }

        public Task? Task { get; set; }

        public static Run Load(string dir)
        {
            var t = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, TwinFile)))!;
            var run = new Run(Path.GetFileName(dir), dir, (string)t["owner"]!, (string)t["scene"]!, (ulong)t["seed"]!, (double?)t["convergence_mrad"], (string?)t["project"] ?? "autopilot", (long?)t["started_ms"] ?? 0, AutopilotRun.OptionsOf(dir));
            var positions = new List<int>();
            var values = new List<double>();
            foreach (var step in AutopilotRun.Decisions(dir))
            {
                positions.AddRange(step["positions"]!.AsArray().Select(n => (int)n!));
                values.AddRange(step["values"]!.AsArray().Select(n => n is null ? double.NaN : (double)n));
            }

            run.Probes = positions.Count;
            run.Snapshot = new AutopilotSnapshot([.. positions], [.. values], null, null);
            if (File.Exists(Path.Combine(dir, ResultFile)))
            {
                var r = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, ResultFile)))!;
                run.State = "finished";
                run.Nrmse = (double?)r["nrmse"];
                run.Stopped = (string?)r["stopped"];
                run.Record = (string?)r["record"];
                run.LibraryError = (string?)r["library_error"];
            }

            return run;
        }

        public void Save()
        {
            File.WriteAllText(Path.Combine(Dir, TwinFile), new JsonObject
            {
                ["scene"] = Scene,
                ["seed"] = Seed,
                ["convergence_mrad"] = ConvergenceMrad,
                ["owner"] = Owner,
                ["project"] = Project,
                ["started_ms"] = StartedMs,
            }.ToJsonString());
            if (State == "finished")
            {
                File.WriteAllText(Path.Combine(Dir, ResultFile), new JsonObject
                {
                    ["nrmse"] = Nrmse is { } e && double.IsFinite(e) ? e : null,
                    ["stopped"] = Stopped,
                    ["record"] = Record,
                    ["library_error"] = LibraryError,
                }.ToJsonString());
            }
        }

        public AutopilotRunView View() => new(Id, State, Owner, Scene, Seed, Options.Policy.ToString(), Options.Target, Options.Grid, Options.FovNm,
            Snapshot is { } s && State != "running" ? s.Positions.Length : Probes, Options.Probes, Stopped, Error, Nrmse is { } e && double.IsFinite(e) ? e : null, Record, LibraryError);

        public AutopilotMapView MapView()
        {
            var s = Snapshot ?? new AutopilotSnapshot([], [], null, null);
            static double?[]? Numbers(double[]? v) => v?.Select(x => double.IsFinite(x) ? x : (double?)null).ToArray();
            return new AutopilotMapView(Options.Grid, Options.FovNm, s.Positions, Numbers(s.Values)!, Numbers(s.Mean), Numbers(s.Std));
        }
    }
}
