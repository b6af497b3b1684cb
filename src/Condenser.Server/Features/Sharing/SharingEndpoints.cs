using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Catalog;
using Condenser.Catalog.Access;
using Condenser.Catalog.Records;
using Condenser.Catalog.Sharing;
using Condenser.Server.Features.Datasets;
using Condenser.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Condenser.Server.Features.Sharing;

/// <summary>The change feed of public records, federation with other instances, and JSON-LD import.</summary>
public static class SharingEndpoints
{
    /// <summary>The largest import body (bytes): thousands of records.</summary>
    public const int ImportMaxBytes = 64 << 20;

    /// <summary>Maps the endpoints.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/feed", Feed).WithTags("sharing").WithSummary("Public records changed after the cursor 'since' (JSON-LD, oldest first), retractions of records no longer public, records whose embargo ended, and the next cursor");
        app.MapPost("/api/federation/pull", Pull).DescribesBody<PullRequest>("application/json").WithTags("sharing").WithSummary("Admins: pull the public records of another instance ({\"url\": …})");
        app.MapPost("/api/import", Import).DescribesBody<JsonObject>("application/ld+json", "application/json").WithTags("sharing").WithSummary("Admins: import records from JSON-LD (one Dataset or a list) into a project");
    }

    private static Ok<FeedPage> Feed(string? since, int? limit, HttpContext ctx, Federation federation)
    {
        var (items, next) = federation.Feed(since, limit ?? 100, DatasetEndpoints.BaseUrl(ctx));
        return TypedResults.Ok(new FeedPage(items, next));
    }

    private static async Task<Ok<PullResult>> Pull(HttpContext ctx, Federation federation)
    {
        ctx.RequireAdmin("federate libraries");
        var body = await JsonBody.Read<PullRequest>(ctx).ConfigureAwait(false);
        var url = body.Url ?? throw new CatalogException(CatalogError.Invalid, "the body needs 'url'");
        int n = await federation.PullAsync(url, ctx.Caller(), ctx.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(new PullResult(url, n));
    }

    private static async Task<Created<ImportResult>> Import(string? project, string? visibility, HttpContext ctx, Catalog.Library catalog)
    {
        var who = ctx.RequireAdmin("import records");

        var doc = await JsonBody.ReadNode(ctx, ImportMaxBytes).ConfigureAwait(false) ?? throw new CatalogException(CatalogError.Invalid, "the body is empty (null)");
        var docs = doc is JsonArray a ? a.ToList() : [doc];
        for (int i = 0; i < docs.Count; i++)
        {
            if (docs[i] is not JsonObject)
            {
                throw new CatalogException(CatalogError.Invalid, docs.Count == 1 && doc is not JsonArray
                    ? "the body must be a JSON-LD Dataset object or a list of them"
                    : $"item {i} of the list is not a JSON-LD Dataset object");
            }
        }

        var projectId = catalog.ProjectFor(who, project ?? "imported");
        var vis = visibility is null ? Visibility.Project : AccessNames.ParseVisibility(visibility);
        var ids = new List<string>();
        foreach (var d in docs)
        {
            var rec = JsonLd.Import(d!, projectId, vis, d!["@id"] is JsonValue v && v.TryGetValue<string>(out var u) && Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "import");
            ids.AddRange(catalog.Commit([rec with { OwnerId = who.UserId }], who, new Catalog.Ingest.IngestOptions()));
        }

        return TypedResults.Created((string?)null, new ImportResult(ids));
    }
}
