using Condenser.Catalog;
using Condenser.Catalog.Access;
using Condenser.Catalog.Records;
using Condenser.Server.Features.Datasets;
using Condenser.Server.Hosting;

namespace Condenser.Server.Features.Users;

/// <summary>The caller, user administration and the audit log.</summary>
public static class UserEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/me", (HttpContext ctx, Catalog.Catalog c) =>
        {
            var who = ctx.Caller();
            return Results.Json(new { name = who.Name, role = who.Role.Name(), institution = who.Institution, authenticated = who.IsAuthenticated, projects = who.UserId is null ? [] : c.Users.Get(who.UserId)!.Projects });
        }).WithTags("users").WithSummary("Who the token belongs to");
        app.MapGet("/api/users", (HttpContext ctx, Catalog.Catalog c) =>
        {
            Admin(ctx);
            return Results.Json(c.Users.List().Select(u => new { id = u.Id, name = u.Name, role = u.Role.Name(), institution = u.Institution, projects = u.Projects }));
        }).WithTags("users").WithSummary("Admins: every user");
        app.MapPost("/api/users", async (HttpContext ctx, Catalog.Catalog c) =>
        {
            Admin(ctx);
            var body = await DatasetEndpoints.Body(ctx).ConfigureAwait(false);
            var (user, token) = c.Users.Add(body["name"]?.GetValue<string>() ?? string.Empty, AccessNames.ParseRole(body["role"]?.GetValue<string>() ?? "viewer"),
                body["institution"]?.GetValue<string>(), body["projects"]?.AsArray().Select(p => p!.GetValue<string>()).ToList());
            return Results.Json(new { id = user.Id, name = user.Name, role = user.Role.Name(), projects = user.Projects, token }, statusCode: 201);
        }).WithTags("users").WithSummary("Admins: add a user; the answer holds the new token, shown once");
        app.MapGet("/api/audit", (int? limit, string? dataset, HttpContext ctx, Catalog.Catalog c) =>
        {
            Admin(ctx);
            return Results.Json(c.Audit.Latest(Math.Clamp(limit ?? 100, 1, 10_000), dataset).Select(e => new
            {
                time = DatasetRecord.Iso(e.TimeMs), user = e.UserId, action = e.Action, dataset = e.DatasetId, detail = e.Detail,
            }));
        }).WithTags("users").WithSummary("Admins: the latest audit entries (reads and writes of non-public data)");
    }

    private static void Admin(HttpContext ctx)
    {
        var who = ctx.Caller();
        if (!who.IsAdmin)
        {
            throw new CatalogException(who.IsAuthenticated ? CatalogError.Forbidden : CatalogError.Unauthenticated, "only admins may do this");
        }
    }
}
