using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Condenser.Catalog;
using Condenser.Catalog.Access;

namespace Condenser.Server.Features.Analyses;

/// <summary>A job's state: queued (waiting for the one slot), running, done, failed or cancelled.</summary>
public enum JobState
{
    /// <summary>Waiting for the analysis before it to finish.</summary>
    Queued,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Finished; its results are records.</summary>
    Done,

    /// <summary>Stopped by an error (the job says which).</summary>
    Failed,

    /// <summary>Cancelled before it finished; nothing of it was stored.</summary>
    Cancelled,
}

/// <summary>Job states in JSON as lower-case names.</summary>
public sealed class JobStateNames() : JsonStringEnumConverter<JobState>(System.Text.Json.JsonNamingPolicy.SnakeCaseLower);

/// <summary>What a job looks like through the API.</summary>
/// <param name="Id">Job id.</param>
/// <param name="Dataset">The input record.</param>
/// <param name="Analysis">The analysis.</param>
/// <param name="Parameters">Its parameters as given.</param>
/// <param name="State">queued, running, done, failed or cancelled.</param>
/// <param name="Stage">The pass running now (its label).</param>
/// <param name="Progress">Fraction of the current pass done (0..1).</param>
/// <param name="Records">The result records once done.</param>
/// <param name="AnalysisId">The analysis row on the input once done.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="User">Who started it.</param>
/// <param name="CreatedMs">When it was asked for (ms since 1970 UTC).</param>
/// <param name="FinishedMs">When it ended (ms since 1970 UTC).</param>
public sealed record JobView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("analysis")] string Analysis,
    [property: JsonPropertyName("parameters")] JsonObject Parameters,
    [property: JsonPropertyName("state"), JsonConverter(typeof(JobStateNames))] JobState State,
    [property: JsonPropertyName("stage")] string? Stage,
    [property: JsonPropertyName("progress")] double Progress,
    [property: JsonPropertyName("records")] IReadOnlyList<string> Records,
    [property: JsonPropertyName("analysis_id")] long? AnalysisId,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("user")] string? User,
    [property: JsonPropertyName("created_ms")] long CreatedMs,
    [property: JsonPropertyName("finished_ms")] long? FinishedMs)
{
    /// <summary>True once the job has ended.</summary>
    [JsonIgnore]
    public bool Finished => State is JobState.Done or JobState.Failed or JobState.Cancelled;
}

/// <summary>
/// Analyses run from the library as jobs: one at a time per server (each pass uses every core), at most
/// <see cref="MaxWaiting"/> waiting, each with its progress, cancellation and, when done, its results stored as records
/// linked to the input. Jobs live as long as the server; what they stored stays in the library. Starts, cancellations
/// and results are audited.
/// </summary>
public sealed class AnalysisJobs(Library catalog)
{
    /// <summary>Most jobs queued or running at once.</summary>
    public const int MaxWaiting = 16;

    /// <summary>Most finished jobs remembered.</summary>
    public const int MaxKept = 500;

    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slot = new(1, 1);

    /// <summary>Starts <paramref name="analysis"/> on record <paramref name="datasetId"/> for <paramref name="who"/> (a contributor of its project).</summary>
    public JobView Start(string datasetId, Principal who, string analysis, JsonObject? parameters)
    {
        var rec = catalog.CheckAnalysis(datasetId, who, analysis);
        if (_jobs.Values.Count(j => !j.View.Finished) >= MaxWaiting)
        {
            throw new CatalogException(CatalogError.Conflict, $"{MaxWaiting} analyses are queued or running already: try again when one has finished");
        }

        var job = new Job(who, new JobView("j_" + Catalog.Access.Users.RandomId(), rec.Id, analysis, parameters ?? [], JobState.Queued, null, 0, [], null, null, who.Name, Clock.NowMs(), null));
        _jobs[job.View.Id] = job;
        catalog.Audit.Record(new AuditEntry(Clock.NowMs(), who.UserId, "analysis-start", rec.Id, $"{analysis} {job.View.Id}"));
        Forget();
        _ = Task.Run(() => RunAsync(job));
        return job.View;
    }

    /// <summary>The jobs the caller started (admins: every job), newest first.</summary>
    public IReadOnlyList<JobView> List(Principal who) =>
        [.. _jobs.Values.Where(j => MayRead(j, who)).Select(j => j.View).OrderByDescending(j => j.CreatedMs)];

    /// <summary>One job (its starter's or an admin's).</summary>
    public JobView Get(string id, Principal who) => Find(id, who).View;

    /// <summary>Cancels a job that has not ended (its starter or an admin); the answer is its state after.</summary>
    public async Task<JobView> CancelAsync(string id, Principal who)
    {
        var job = Find(id, who);
        if (!job.View.Finished)
        {
            catalog.Audit.Record(new AuditEntry(Clock.NowMs(), who.UserId, "analysis-cancel", job.View.Dataset, $"{job.View.Analysis} {id}"));
            await job.Cancel.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(job.Ended.Task, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        }

        return job.View;
    }

    /// <summary>Waits until the job changes after <paramref name="version"/> (or <paramref name="timeout"/> passes); returns the version now.</summary>
    public async Task<(JobView View, long Version)> NextAsync(string id, Principal who, long version, TimeSpan timeout, CancellationToken cancel)
    {
        var job = Find(id, who);
        var deadline = DateTime.UtcNow + timeout;
        while (Interlocked.Read(ref job.Version) == version && !job.View.Finished && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancel).ConfigureAwait(false);
        }

        return (job.View, Interlocked.Read(ref job.Version));
    }

    /// <summary>Takes the one slot, so that jobs started meanwhile stay queued until the answer is disposed (for tests of the queue).</summary>
    internal async Task<IDisposable> HoldSlotAsync()
    {
        await _slot.WaitAsync().ConfigureAwait(false);
        return new Releaser(_slot);
    }

    private sealed class Releaser(SemaphoreSlim slot) : IDisposable
    {
        public void Dispose() => slot.Release();
    }

    private Job Find(string id, Principal who) =>
        _jobs.TryGetValue(id, out var job) && MayRead(job, who) ? job : throw new CatalogException(CatalogError.NotFound, $"no job '{Library.Printable(id)}'");

    private static bool MayRead(Job job, Principal who) => who.IsAdmin || (who.UserId is not null && who.UserId == job.Who.UserId);

    private async Task RunAsync(Job job)
    {
        try
        {
            await _slot.WaitAsync(job.Cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            job.Update(v => v with { State = JobState.Cancelled, FinishedMs = Clock.NowMs() });
            job.Ended.TrySetResult();
            return;
        }

        try
        {
            job.Update(v => v with { State = JobState.Running });
            var outcome = await Task.Run(() => catalog.RunAnalysis(job.View.Dataset, job.Who, job.View.Analysis, job.View.Parameters, (label, _) => new Progress(job, label), job.Cancel.Token)).ConfigureAwait(false);
            job.Update(v => v with { State = JobState.Done, Progress = 1, Records = outcome.Records, AnalysisId = outcome.Analysis.Id, FinishedMs = Clock.NowMs() });
        }
        catch (OperationCanceledException)
        {
            job.Update(v => v with { State = JobState.Cancelled, FinishedMs = Clock.NowMs() });
        }
        catch (Exception e) when (e is CatalogException or Condenser.Data.EmFileException or IOException or InvalidDataException or ArgumentException or InvalidOperationException or NotSupportedException or OverflowException)
        {
            job.Update(v => v with { State = JobState.Failed, Error = e.Message, FinishedMs = Clock.NowMs() });
        }
#pragma warning disable CA1031 // a job runs on its own: whatever stops it is its failure, said on the job, never an unobserved task
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"analysis job {job.View.Id} ({job.View.Analysis} on {job.View.Dataset}) failed: {e}");
            job.Update(v => v with { State = JobState.Failed, Error = $"the analysis failed ({e.GetType().Name}: {e.Message}); the server's log has the details", FinishedMs = Clock.NowMs() });
        }
        finally
        {
            _slot.Release();
            job.Ended.TrySetResult();
        }
    }

    private void Forget()
    {
        foreach (var old in _jobs.Values.Where(j => j.View.Finished).OrderByDescending(j => j.View.CreatedMs).Skip(MaxKept).ToList())
        {
            _jobs.TryRemove(old.View.Id, out _);
        }
    }

    private sealed class Job(Principal who, JobView view)
    {
        private readonly Lock _gate = new();

        public Principal Who { get; } = who;

        public JobView View { get; private set; } = view;

        public long Version;

        public CancellationTokenSource Cancel { get; } = new();

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Update(Func<JobView, JobView> change)
        {
            lock (_gate)
            {
                View = change(View);
                Interlocked.Increment(ref Version);
            }
        }
    }

    /// <summary>A pass's progress into its job, at most every 1 % (so that followers see each step without a flood).</summary>
    private sealed class Progress(Job job, string stage) : IProgress<double>
    {
        private double _last = -1;

        public void Report(double value)
        {
            if (value - _last < 0.01 && value < 1 && _last >= 0)
            {
                return;
            }

            _last = value;
            job.Update(v => v with { Stage = stage, Progress = Math.Clamp(value, 0, 1) });
        }
    }
}
