using Condenser.Catalog;
using Condenser.Catalog.Access;
using Condenser.Catalog.Records;
using Condenser.Server.Hosting;

namespace Condenser.Server.Features.Users;

/// <summary>The caller, user administration and the audit log.</summary>
public static class UserEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/me", (HttpContext ctx, Catalog.Library c) =>
        {
            var who = ctx.Caller();
            return TypedResults.Ok(new CallerView(who.Name, who.Role.Name(), who.Institution, who.IsAuthenticated, who.UserId is null ? [] : c.Users.Get(who.UserId)!.Projects));
        }).WithTags("users").WithSummary("Who the token belongs to");
        app.MapGet("/api/users", (HttpContext ctx, Catalog.Library c) =>
        {
            Admin(ctx);
            return TypedResults.Ok(c.Users.List().Select(u => new UserView(u.Id, u.Name, u.Role.Name(), u.Institution, u.Projects)).ToList());
        }).WithTags("users").WithSummary("Admins: every user");
        app.MapPost("/api/users", async (HttpContext ctx, Catalog.Library c) =>
        {
            Admin(ctx);
            var body = await JsonBody.Read<NewUserRequest>(ctx).ConfigureAwait(false);
            var (user, token) = c.Users.Add(body.Name ?? string.Empty, AccessNames.ParseRole(body.Role ?? "viewer"), body.Institution, body.Projects);
            return TypedResults.Created((string?)null, new UserView(user.Id, user.Name, user.Role.Name(), user.Institution, user.Projects, token));
        }).DescribesBody<NewUserRequest>("application/json").WithTags("users").WithSummary("Admins: add a user; the answer holds the new token, shown once");
        app.MapGet("/api/audit", (int? limit, string? dataset, HttpContext ctx, Catalog.Library c) =>
        {
            Admin(ctx);
            return TypedResults.Ok(c.Audit.Latest(Math.Clamp(limit ?? 100, 1, 10_000), dataset)
                .Select(e => new AuditView(DatasetRecord.Iso(e.TimeMs), e.UserId, e.Action, e.DatasetId, e.Detail)).ToList());
        }).WithTags("users").WithSummary("Admins: the latest audit entries (reads and writes of non-public data)");
    }

    private static void Admin(HttpContext ctx) => ctx.RequireAdmin("manage users and read the audit log");
}
