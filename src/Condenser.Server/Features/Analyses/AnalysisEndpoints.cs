using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Condenser.Catalog.Records;
using Condenser.Processing.Analyses;
using Condenser.Server.Hosting;

namespace Condenser.Server.Features.Analyses;

/// <summary>
/// Analyses run from the library: what can be run, the jobs (state, progress as server-sent events, cancellation) and
/// each record's lineage. A job starts with <c>POST /api/datasets/{id}/analyses</c> without <c>outputs</c>.
/// </summary>
public static class AnalysisEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/analyses", () => TypedResults.Ok(AnalysisRequests.All)).WithTags("analyses")
            .WithSummary("The analyses a record can be given to, with what they read and their parameters (units in the descriptions)");
        app.MapGet("/api/datasets/{id}/lineage", (string id, HttpContext ctx, Catalog.Library c) => TypedResults.Ok(c.Lineage(id, ctx.Caller()))).WithTags("analyses")
            .Produces<LineageView>().WithSummary("The records this one was computed from and those computed from it (by the provenance results carry), as far as the caller may read");
        var g = app.MapGroup("/api/jobs").WithTags("analyses");
        g.MapGet("", (HttpContext ctx, AnalysisJobs jobs) => TypedResults.Ok(jobs.List(ctx.Caller()))).WithSummary("The caller's analysis jobs (admins: all), newest first");
        g.MapGet("/{id}", (string id, HttpContext ctx, AnalysisJobs jobs) => TypedResults.Ok(jobs.Get(id, ctx.Caller()))).WithSummary("One job: state, stage, progress, result records or error");
        g.MapGet("/{id}/events", Events).Produces<JobView>(200, "text/event-stream")
            .WithSummary("The job as server-sent events ('job', its JSON) at each change, until it ends; a comment every 15 s keeps the connection");
        g.MapDelete("/{id}", async (string id, HttpContext ctx, AnalysisJobs jobs) => TypedResults.Ok(await jobs.CancelAsync(id, ctx.Caller()).ConfigureAwait(false)))
            .WithSummary("Cancels a queued or running job (its starter or an admin); nothing of it is stored");
    }

    private static IResult Events(string id, HttpContext ctx, AnalysisJobs jobs)
    {
        var who = ctx.Caller();
        jobs.Get(id, who); // refuse an unknown job before the stream starts
        return TypedResults.ServerSentEvents(Stream(id, who, jobs, ctx.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<string>> Stream(string id, Catalog.Access.Principal who, AnalysisJobs jobs, [EnumeratorCancellation] CancellationToken cancel)
    {
        long version = -1;
        while (!cancel.IsCancellationRequested)
        {
            var (view, now) = await jobs.NextAsync(id, who, version, TimeSpan.FromSeconds(15), cancel).ConfigureAwait(false);
            if (now == version && !view.Finished)
            {
                yield return new SseItem<string>(string.Empty, "keep-alive");
                continue;
            }

            version = now;
            yield return new SseItem<string>(JsonSerializer.Serialize(view), "job");
            if (view.Finished)
            {
                yield break;
            }
        }
    }
}
