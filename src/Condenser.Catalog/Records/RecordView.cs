using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Condenser.Catalog.Records;

/// <summary>
/// A record as the API gives it (search results, a record, similar records): the stable fields (id, file, format,
/// shape, signal_type, sha256) and the rest. One type serves the JSON and the OpenAPI schema.
/// </summary>
public sealed record RecordView
{
    /// <summary>Record id.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>File name.</summary>
    [JsonPropertyName("file")] public required string File { get; init; }

    /// <summary>Format (reader) name.</summary>
    [JsonPropertyName("format")] public required string Format { get; init; }

    /// <summary>Shape, C order, navigation first.</summary>
    [JsonPropertyName("shape")] public required int[] Shape { get; init; }

    /// <summary>How many leading axes are navigation.</summary>
    [JsonPropertyName("navigation_dims")] public int NavigationDims { get; init; }

    /// <summary>Signal type (image, 4d_stem, spectrum, ...).</summary>
    [JsonPropertyName("signal_type")] public required string SignalType { get; init; }

    /// <summary>SHA-256 of the file.</summary>
    [JsonPropertyName("sha256")] public required string Sha256 { get; init; }

    /// <summary>SHA-256 of the array (C order, little-endian).</summary>
    [JsonPropertyName("data_sha256")] public string? DataSha256 { get; init; }

    /// <summary>Index of the dataset within its file.</summary>
    [JsonPropertyName("dataset_index")] public int DatasetIndex { get; init; }

    /// <summary>Dataset name within the file.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>Element type.</summary>
    [JsonPropertyName("dtype")] public required string DType { get; init; }

    /// <summary>Technique.</summary>
    [JsonPropertyName("technique")] public string? Technique { get; init; }

    /// <summary>Instrument.</summary>
    [JsonPropertyName("instrument")] public required string Instrument { get; init; }

    /// <summary>Detector.</summary>
    [JsonPropertyName("detector")] public string? Detector { get; init; }

    /// <summary>Beam energy (keV).</summary>
    [JsonPropertyName("beam_energy_kev")] public double? BeamEnergyKeV { get; init; }

    /// <summary>Acquisition time (ISO 8601, UTC), null when the file does not say.</summary>
    [JsonPropertyName("acquired")] public string? Acquired { get; init; }

    /// <summary>Ingest time.</summary>
    [JsonPropertyName("ingested")] public required string Ingested { get; init; }

    /// <summary>Last change.</summary>
    [JsonPropertyName("updated")] public required string Updated { get; init; }

    /// <summary>Title.</summary>
    [JsonPropertyName("title")] public string? Title { get; init; }

    /// <summary>Sample.</summary>
    [JsonPropertyName("sample")] public string? Sample { get; init; }

    /// <summary>Elements.</summary>
    [JsonPropertyName("elements")] public required IReadOnlyList<string> Elements { get; init; }

    /// <summary>Description.</summary>
    [JsonPropertyName("description")] public string? Description { get; init; }

    /// <summary>Operator.</summary>
    [JsonPropertyName("operator")] public string? Operator { get; init; }

    /// <summary>Project name.</summary>
    [JsonPropertyName("project")] public string? Project { get; init; }

    /// <summary>Institution.</summary>
    [JsonPropertyName("institution")] public required string Institution { get; init; }

    /// <summary>private, project, institution or public.</summary>
    [JsonPropertyName("visibility")] public required string Visibility { get; init; }

    /// <summary>End of the embargo (ISO 8601), null for none.</summary>
    [JsonPropertyName("embargo_until")] public string? EmbargoUntil { get; init; }

    /// <summary>Session id.</summary>
    [JsonPropertyName("session")] public string? Session { get; init; }

    /// <summary>Experiment id.</summary>
    [JsonPropertyName("experiment")] public string? Experiment { get; init; }

    /// <summary>The peer a federated copy came from.</summary>
    [JsonPropertyName("origin")] public string? Origin { get; init; }

    /// <summary>File size (bytes).</summary>
    [JsonPropertyName("file_size")] public long FileSize { get; init; }

    /// <summary>The file and its companions.</summary>
    [JsonPropertyName("files")] public required IReadOnlyList<Storage.StoredFile> Files { get; init; }

    /// <summary>Change number.</summary>
    [JsonPropertyName("seq")] public long Seq { get; init; }

    /// <summary>The full description (axes, metadata, statistics, original metadata): on a single record only.</summary>
    [JsonPropertyName("info")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public JsonNode? Info { get; init; }

    /// <summary>Whether the caller may change the record: on a single record only.</summary>
    [JsonPropertyName("can_edit")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? CanEdit { get; init; }

    /// <summary>The preview kinds stored: on a single record only.</summary>
    [JsonPropertyName("previews")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Previews { get; init; }

    /// <summary>Cosine similarity to the record asked about: in similar records only.</summary>
    [JsonPropertyName("score")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Score { get; init; }
}

/// <summary>A page of search results.</summary>
/// <param name="Items">The records of the page.</param>
/// <param name="Total">Records matching.</param>
/// <param name="Page">Page number (from 1).</param>
/// <param name="PageSize">Records per page.</param>
/// <param name="Facets">Facet counts by facet name (absent with facets=false).</param>
public sealed record SearchPage(
    [property: JsonPropertyName("items")] IReadOnlyList<RecordView> Items,
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("page_size")] int PageSize,
    [property: JsonPropertyName("facets"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, IReadOnlyList<Search.FacetCount>>? Facets);

/// <summary>The records most like one record, best first.</summary>
/// <param name="Id">The record asked about.</param>
/// <param name="Items">Similar records with their score.</param>
/// <param name="Total">How many.</param>
public sealed record SimilarPage([property: JsonPropertyName("id")] string Id, [property: JsonPropertyName("items")] IReadOnlyList<RecordView> Items, [property: JsonPropertyName("total")] int Total);
