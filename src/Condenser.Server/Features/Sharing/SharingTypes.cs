using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Condenser.Server.Features.Sharing;

/// <summary>A page of the change feed.</summary>
/// <param name="Items">schema.org Dataset JSON-LD of records that became or stayed public, and retractions (<c>{"@id", "retracted": true}</c>), oldest change first.</param>
/// <param name="Next">The cursor to pass as <c>since</c> for the next page.</param>
public sealed record FeedPage(
    [property: JsonPropertyName("items")] JsonArray Items,
    [property: JsonPropertyName("next")] string Next);

/// <summary>The body of <c>POST /api/federation/pull</c>.</summary>
/// <param name="Url">The other instance's base URL.</param>
public sealed record PullRequest([property: JsonPropertyName("url")] string? Url);

/// <summary>What a pull brought.</summary>
/// <param name="Url">The instance pulled from.</param>
/// <param name="Records">Records added, changed or retracted here.</param>
public sealed record PullResult(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("records")] int Records);

/// <summary>What an import made.</summary>
/// <param name="Imported">Ids of the new records.</param>
public sealed record ImportResult([property: JsonPropertyName("imported")] IReadOnlyList<string> Imported);
