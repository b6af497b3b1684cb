using Condenser.Catalog;
using Condenser.Data;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Condenser.Server.Hosting;

/// <summary>Maps refusals to RFC 9457 problem details: CatalogException by its kind, bad requests by their status; anything else is a 500 without internals.</summary>
public sealed class Problems(IProblemDetailsService problems, ILogger<Problems> log) : IExceptionHandler
{
    /// <inheritdoc/>
    public async ValueTask<bool> TryHandleAsync(HttpContext ctx, Exception e, CancellationToken cancel)
    {
        var (status, title, detail) = e switch
        {
            CatalogException c => (Status(c.Error), c.Error.ToString(), c.Message),
            BadHttpRequestException b => (b.StatusCode, b.StatusCode == 413 ? "TooLarge" : "BadRequest", b.Message),
            EmFileException f => (422, "Unreadable", f.Message),
            OperationCanceledException => (499, "Cancelled", "the request was cancelled"),
            _ => (500, "InternalError", "the server failed; the log says why"),
        };
        if (status == 500)
        {
            log.LogError(e, "request {Path} failed", ctx.Request.Path);
        }

        if (ctx.Response.HasStarted)
        {
            return false;
        }

        ctx.Response.StatusCode = status;
        if (status == 401)
        {
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = ctx,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail, Instance = ctx.Request.Path },
            Exception = e,
        }).ConfigureAwait(false);
    }

    /// <summary>The HTTP status of a refusal.</summary>
    public static int Status(CatalogError e) => e switch
    {
        CatalogError.Invalid => 400,
        CatalogError.Unauthenticated => 401,
        CatalogError.Forbidden => 403,
        CatalogError.NotFound => 404,
        CatalogError.Conflict => 409,
        CatalogError.TooLarge => 413,
        CatalogError.Unreadable => 422,
        _ => 400,
    };
}
