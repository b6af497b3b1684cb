using System.Text.Json.Serialization;

namespace Condenser.Server.Features.Users;

/// <summary>The caller, as <c>GET /api/me</c> answers.</summary>
/// <param name="Name">User name ("anonymous" without a token).</param>
/// <param name="Role">viewer, contributor or admin.</param>
/// <param name="Institution">Institution.</param>
/// <param name="Authenticated">True with a valid token.</param>
/// <param name="Projects">Names of the caller's projects.</param>
public sealed record CallerView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("institution")] string Institution,
    [property: JsonPropertyName("authenticated")] bool Authenticated,
    [property: JsonPropertyName("projects")] IReadOnlyList<string> Projects);

/// <summary>A user, as admins see it.</summary>
/// <param name="Id">User id.</param>
/// <param name="Name">User name.</param>
/// <param name="Role">viewer, contributor or admin.</param>
/// <param name="Institution">Institution.</param>
/// <param name="Projects">Names of the user's projects.</param>
/// <param name="Token">The new API token: only in the answer that made it, shown once.</param>
public sealed record UserView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("institution")] string Institution,
    [property: JsonPropertyName("projects")] IReadOnlyList<string> Projects,
    [property: JsonPropertyName("token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Token = null);

/// <summary>The body of <c>POST /api/users</c>.</summary>
/// <param name="Name">User name (letters, digits, . _ -).</param>
/// <param name="Role">viewer (default), contributor or admin.</param>
/// <param name="Institution">Institution.</param>
/// <param name="Projects">Projects to join (created when missing).</param>
public sealed record NewUserRequest(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("role")] string? Role,
    [property: JsonPropertyName("institution")] string? Institution,
    [property: JsonPropertyName("projects")] IReadOnlyList<string>? Projects);

/// <summary>One audit entry.</summary>
/// <param name="Time">When (ISO 8601, UTC).</param>
/// <param name="User">The user's id (null: anonymous or local).</param>
/// <param name="Action">read, update, ingest, download, export…</param>
/// <param name="Dataset">The record's id.</param>
/// <param name="Detail">More about it.</param>
public sealed record AuditView(
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("user")] string? User,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("dataset")] string? Dataset,
    [property: JsonPropertyName("detail")] string? Detail);
