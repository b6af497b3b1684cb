using Condenser.Server.Hosting;

namespace Condenser.Server.Features.Autopilot;

/// <summary>
/// Autonomous runs through the API: start one on the server's digital twin, list and read them, follow a running
/// one's map (positions, reconstruction, uncertainty), stop it between decisions and resume it from its log.
/// Signed-in users read; contributors and admins operate.
/// </summary>
public static class AutopilotEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/autopilot/runs").WithTags("autopilot");
        g.MapGet("", (HttpContext ctx, AutopilotService s) => TypedResults.Ok(s.List(ctx.Caller())))
            .WithSummary("Every run, newest first");
        g.MapPost("", async (HttpContext ctx, AutopilotService s) =>
        {
            var body = await JsonBody.Read<AutopilotRunRequest>(ctx).ConfigureAwait(false);
            var run = s.Start(body, ctx.Caller());
            return TypedResults.Created($"/api/autopilot/runs/{run.Id}", run);
        }).DescribesBody<AutopilotRunRequest>("application/json").WithSummary("Contributors: start a run on the digital twin (the finished map is recorded in the library)");
        g.MapGet("/{id}", (string id, HttpContext ctx, AutopilotService s) => TypedResults.Ok(s.Get(id, ctx.Caller())))
            .WithSummary("A run: state, probes made and planned, why it stopped, its error against the truth and its library record");
        g.MapGet("/{id}/map", (string id, HttpContext ctx, AutopilotService s) => TypedResults.Ok(s.Map(id, ctx.Caller())))
            .WithSummary("A run's map so far: visited positions and values, the posterior mean and standard deviation over the grid");
        g.MapPut("/{id}/state", async (string id, HttpContext ctx, AutopilotService s) =>
        {
            var body = await JsonBody.Read<AutopilotStateRequest>(ctx).ConfigureAwait(false);
            return body.State switch
            {
                "stopped" => TypedResults.Ok(await s.StopAsync(id, ctx.Caller()).ConfigureAwait(false)),
                "running" => TypedResults.Ok(s.Resume(id, ctx.Caller())),
                _ => throw new Catalog.CatalogException(Catalog.CatalogError.Invalid, $"state '{body.State}': give stopped (stop between two decisions) or running (resume from the log)"),
            };
        }).DescribesBody<AutopilotStateRequest>("application/json")
            .WithSummary("Contributors: {\"state\": \"stopped\"} stops a running run between two decisions (it stays resumable); {\"state\": \"running\"} resumes a stopped one from its log (nothing acquired is acquired again)");
    }
}
