namespace Condenser.Catalog.Search;

/// <summary>A catalogue search: words, facet filters, sorting and paging.</summary>
public sealed record SearchQuery
{
    /// <summary>Words; each must prefix a word of the record (file name, title, sample, description, instrument…).</summary>
    public string? Text { get; init; }

    /// <summary>Exact instrument.</summary>
    public string? Instrument { get; init; }

    /// <summary>Exact signal type (image, diffraction, spectrum, spectrum_image, 4d_stem, stack, line_profile).</summary>
    public string? SignalType { get; init; }

    /// <summary>Exact technique (EELS, EDS…).</summary>
    public string? Technique { get; init; }

    /// <summary>Exact format name.</summary>
    public string? Format { get; init; }

    /// <summary>Project name.</summary>
    public string? Project { get; init; }

    /// <summary>Exact sample name.</summary>
    public string? Sample { get; init; }

    /// <summary>Element symbols the sample must contain (all of them).</summary>
    public IReadOnlyList<string> Elements { get; init; } = [];

    /// <summary>Lowest beam energy.</summary>
    /// <remarks>Units: keV.</remarks>
    public double? BeamEnergyMin { get; init; }

    /// <summary>Highest beam energy.</summary>
    /// <remarks>Units: keV.</remarks>
    public double? BeamEnergyMax { get; init; }

    /// <summary>
    /// Year of acquisition (the "year" facet's value), or <see cref="UnknownYear"/> for records whose acquisition time
    /// is not known (they are never counted under their ingest year).
    /// </summary>
    public string? Year { get; init; }

    /// <summary>The year facet's value for records without an acquisition time.</summary>
    public const string UnknownYear = "unknown";

    /// <summary>Earliest acquisition (or ingest, when unknown) time.</summary>
    /// <remarks>Units: ms since 1970 UTC.</remarks>
    public long? From { get; init; }

    /// <summary>Latest acquisition (or ingest) time.</summary>
    /// <remarks>Units: ms since 1970 UTC.</remarks>
    public long? To { get; init; }

    /// <summary>Sort key: time (default), ingested, name, beam_energy, size.</summary>
    public string Sort { get; init; } = "time";

    /// <summary>Descending (the default: newest first).</summary>
    public bool Descending { get; init; } = true;

    /// <summary>1-based page.</summary>
    public int Page { get; init; } = 1;

    /// <summary>Records per page (1..200).</summary>
    public int PageSize { get; init; } = 20;

    /// <summary>Most records per page.</summary>
    public const int MaxPageSize = 200;

    /// <summary>Deepest record a page may reach (deeper paging is refused: narrow the search).</summary>
    public const int MaxOffset = 100_000;
}

/// <summary>One facet value and how many matching records have it.</summary>
/// <param name="Value">The value.</param>
/// <param name="Count">Records.</param>
public sealed record FacetCount(string Value, long Count);

/// <summary>A page of results with the total and the facet counts over all matches.</summary>
/// <param name="Items">This page.</param>
/// <param name="Total">All matches.</param>
/// <param name="Facets">Facet name → values by count.</param>
/// <param name="Page">The page.</param>
/// <param name="PageSize">Its size.</param>
public sealed record SearchResult(IReadOnlyList<Records.DatasetRecord> Items, long Total, IReadOnlyDictionary<string, IReadOnlyList<FacetCount>> Facets, int Page, int PageSize);
