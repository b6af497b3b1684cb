using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Condenser.Server.Features.Datasets;

/// <summary>The body of <c>PATCH /api/datasets/{id}</c>: the fields to change; absent fields stay as they are.</summary>
/// <param name="Visibility">private, project, institution or public.</param>
/// <param name="EmbargoUntil">ISO 8601 date or time until which the record stays unlisted; null lifts the embargo.</param>
/// <param name="Title">Title.</param>
/// <param name="Sample">Sample name.</param>
/// <param name="Elements">Chemical symbols of the sample.</param>
/// <param name="Description">Free text.</param>
public sealed record RecordPatchRequest(
    [property: JsonPropertyName("visibility")] string? Visibility,
    [property: JsonPropertyName("embargo_until")] string? EmbargoUntil,
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("sample")] string? Sample,
    [property: JsonPropertyName("elements")] IReadOnlyList<string>? Elements,
    [property: JsonPropertyName("description")] string? Description);

/// <summary>The body of <c>POST /api/datasets/{id}/annotations</c>.</summary>
/// <param name="Kind">label (default), note or region.</param>
/// <param name="Text">The label or note.</param>
/// <param name="Region">For a region: its geometry in dataset coordinates (see the annotations section of the README).</param>
public sealed record AnnotationRequest(
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("region")] JsonObject? Region);

/// <summary>The body of <c>POST /api/datasets/{id}/analyses</c>: an analysis to run on the record, or (with outputs) one run elsewhere, recorded with its provenance.</summary>
/// <param name="Analysis">Its name (virtual-image, com, strain…: <c>GET /api/analyses</c> lists those the server runs).</param>
/// <param name="Parameters">Its parameters (JSON object).</param>
/// <param name="Outputs">Its outputs: names, hashes, values (JSON object); absent: run the analysis here, as a job.</param>
/// <param name="Software">Software and version that ran it (default: this server's).</param>
public sealed record AnalysisRequest(
    [property: JsonPropertyName("analysis")] string? Analysis,
    [property: JsonPropertyName("parameters")] JsonObject? Parameters,
    [property: JsonPropertyName("outputs")] JsonObject? Outputs,
    [property: JsonPropertyName("software")] string? Software);
