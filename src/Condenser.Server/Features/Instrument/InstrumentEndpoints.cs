using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Acquisition.Instrument;
using Condenser.Acquisition.Remote;
using Condenser.Processing.MapReduce;
using Condenser.Server.Hosting;

namespace Condenser.Server.Features.Instrument;

/// <summary>
/// A microscope served over HTTP (<see cref="Wire"/>): its description and state, optics, stage and budget
/// commands as JSON, and acquisitions as a binary stream whose camera frames leave as the camera delivers them.
/// Refusals are 422 problems that name the limit.
/// </summary>
public static class InstrumentEndpoints
{
    private static readonly JsonSerializerOptions Strict = new(Wire.Json) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    /// <summary>Maps the instrument's endpoints onto <paramref name="app"/> for <paramref name="microscope"/>.</summary>
    public static void Map(WebApplication app, IMicroscope microscope)
    {
        var g = app.MapGroup("/api/instrument").WithTags("instrument");
        g.MapGet("", async (CancellationToken c) => Results.Json(await microscope.DescribeAsync(c), Wire.Json))
            .WithSummary("The instrument: name, limits, detectors").Produces<InstrumentDescription>();
        g.MapGet("/state", async (CancellationToken c) => Results.Json(await microscope.GetStateAsync(c), Wire.Json))
            .WithSummary("Optics, stage, instrument clock and budgets").Produces<InstrumentState>();
        g.MapPut("/optics", (HttpContext ctx, CancellationToken _) => Command<OpticsChange>(ctx, (b, c) => microscope.SetOpticsAsync(b, c)))
            .WithSummary("Change the optics (absent fields keep their value)").DescribesBody<OpticsChange>("application/json").Produces<InstrumentState>().ProducesProblem(422).ProducesProblem(400);
        g.MapPut("/stage", (HttpContext ctx, CancellationToken _) => Command<StageChange>(ctx, (b, c) => microscope.MoveStageAsync(b, c)))
            .WithSummary("Move the stage (absent axes stay)").DescribesBody<StageChange>("application/json").Produces<InstrumentState>().ProducesProblem(422).ProducesProblem(400);
        g.MapPut("/budget", (HttpContext ctx, CancellationToken _) => Command<ExperimentBudget>(ctx, (b, c) => microscope.SetBudgetAsync(b, c)))
            .WithSummary("Set the experiment's budgets").DescribesBody<ExperimentBudget>("application/json").Produces<InstrumentState>().ProducesProblem(422).ProducesProblem(400);
        g.MapPost("/acquisitions", (HttpContext ctx, CancellationToken _) => Acquire(ctx, microscope))
            .WithSummary("Acquire: the response is the acquisition stream (frames as they are acquired, then datasets and cost)")
            .DescribesBody<AcquisitionRequest>("application/json").ProducesFile(Wire.StreamMediaType).ProducesProblem(422).ProducesProblem(400);
    }

    private static async Task<IResult> Command<T>(HttpContext ctx, Func<T, CancellationToken, Task<InstrumentState>> run)
        where T : class
    {
        var (body, bad) = await Read<T>(ctx);
        if (bad is not null)
        {
            return bad;
        }

        try
        {
            return Results.Json(await run(body!, ctx.RequestAborted), Wire.Json);
        }
        catch (InterlockException e)
        {
            return Refused(e);
        }
    }

    private static async Task<(T? Body, IResult? Bad)> Read<T>(HttpContext ctx)
        where T : class
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(ctx.Request.Body, Strict, ctx.RequestAborted);
            return body is null ? (null, Problem(400, "BadRequest", "the request has no JSON body", null, false)) : (body, null);
        }
        catch (JsonException e)
        {
            return (null, Problem(400, "BadRequest", $"the JSON body is not a {typeof(T).Name}: {e.Message}", null, false));
        }
    }

    private static IResult Refused(InterlockException e) => Problem(422, e is BudgetExceededException ? "BudgetExceeded" : "Interlock", e.Message, e.Limit, e is BudgetExceededException);

    private static IResult Problem(int status, string title, string detail, string? limit, bool budget) => Results.Json(
        new JsonObject { ["type"] = "about:blank", ["title"] = title, ["status"] = status, ["detail"] = detail, ["limit"] = limit, ["budget"] = budget },
        contentType: "application/problem+json", statusCode: status);

    private static async Task<IResult> Acquire(HttpContext ctx, IMicroscope microscope)
    {
        var (request, bad) = await Read<AcquisitionRequest>(ctx);
        if (bad is not null)
        {
            return bad;
        }

        var cancel = ctx.RequestAborted;
        var r = request!;
        try
        {
            // Refused before anything is allocated for it.
            (await microscope.DescribeAsync(cancel)).Limits.Check(r);
        }
        catch (InterlockException e)
        {
            return Refused(e);
        }

        PushedFrames? live = null;
        if (r.Detector == DetectorKind.FourDStem)
        {
            var layout = new FrameLayout(Condenser.Data.DType.UInt16, [checked((int)r.Scan.PositionCount)], [r.CameraPixels, r.CameraPixels]);
            live = new PushedFrames(layout, capacity: 512);
        }

        var acquisition = Task.Run(async () =>
        {
            try
            {
                return await microscope.AcquireAsync(live is null ? r : r with { KeepFrames = false }, live, cancel);
            }
            finally
            {
                live?.Complete();
            }
        }, cancel);

        var frames = live?.ReadAllAsync(cancel).GetAsyncEnumerator(cancel);
        bool first = frames is not null && await frames.MoveNextAsync();
        if (!first)
        {
            if (frames is not null)
            {
                await frames.DisposeAsync();
            }

            try
            {
                await acquisition;
            }
            catch (InterlockException e)
            {
                return Refused(e);
            }
            catch (ArgumentException e)
            {
                return Problem(400, "BadRequest", e.Message, null, false);
            }
        }

        return new StreamResult(async body =>
        {
            await using var s = new BufferedStream(body, 1 << 20);
            try
            {
                if (first)
                {
                    await Wire.WriteJsonAsync(s, (byte)'L', new JsonObject { ["frame_bytes"] = live!.Layout.FrameBytes, ["frames"] = r.VisitCount }, cancel);
                    var head = new byte[9];
                    head[0] = (byte)'F';
                    do
                    {
                        var (position, frame) = frames!.Current;
                        BinaryPrimitives.WriteInt64LittleEndian(head.AsSpan(1), position);
                        await s.WriteAsync(head, cancel);
                        await s.WriteAsync(frame, cancel);
                    }
                    while (await frames.MoveNextAsync());
                }

                var result = await acquisition;
                if (result.Streamed is { } streamed)
                {
                    await Wire.WriteJsonAsync(s, (byte)'S', Wire.Describe(streamed.Name, streamed.Shape, streamed.Axes, streamed.DType, streamed.Metadata, streamed.Original), cancel);
                }

                foreach (var ds in result.Datasets)
                {
                    await Wire.WriteDatasetAsync(s, ds, cancel);
                }

                await Wire.WriteJsonAsync(s, (byte)'C', JsonSerializer.SerializeToNode(new Wire.Completion(result.Cost, result.StartedS), Wire.Json)!, cancel);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Wire.WriteJsonAsync(s, (byte)'E', JsonSerializer.SerializeToNode(Wire.FromException(e), Wire.Json)!, cancel);
            }
            finally
            {
                if (frames is not null)
                {
                    await frames.DisposeAsync();
                }
            }
        });
    }

    /// <summary>A response written by a callback, as <see cref="Wire.StreamMediaType"/>.</summary>
    private sealed class StreamResult(Func<Stream, Task> write) : IResult
    {
        public async Task ExecuteAsync(HttpContext ctx)
        {
            ctx.Response.ContentType = Wire.StreamMediaType;
            ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
            await write(ctx.Response.Body);
        }
    }
}
