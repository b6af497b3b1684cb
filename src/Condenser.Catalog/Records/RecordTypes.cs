using Condenser.Catalog.Access;

namespace Condenser.Catalog;

/// <summary>A change to a record's descriptive fields or access (null: unchanged).</summary>
public sealed record RecordPatch
{
    /// <summary>New visibility.</summary>
    public Visibility? Visibility { get; init; }

    /// <summary>New embargo end (0 lifts it).</summary>
    /// <remarks>Units: ms since 1970 UTC.</remarks>
    public long? EmbargoMs { get; init; }

    /// <summary>New title.</summary>
    public string? Title { get; init; }

    /// <summary>New sample name.</summary>
    public string? Sample { get; init; }

    /// <summary>New element list.</summary>
    public IReadOnlyList<string>? Elements { get; init; }

    /// <summary>New description.</summary>
    public string? Description { get; init; }
}

/// <summary>An annotation (a label or note for people and for training models).</summary>
/// <param name="Id">Id.</param>
/// <param name="User">Author name.</param>
/// <param name="CreatedMs">When (ms since 1970 UTC).</param>
/// <param name="Kind">label, note or region.</param>
/// <param name="Text">The label or text.</param>
/// <param name="Region">Optional JSON geometry in dataset coordinates (scan or signal indices, calibrated values with units; see <see cref="Records.AnnotationRegion"/>).</param>
public sealed record Annotation(long Id, string? User, long CreatedMs, string Kind, string Text, string? Region);

/// <summary>An analysis of a record with its provenance.</summary>
/// <param name="Id">Id.</param>
/// <param name="User">Who ran it.</param>
/// <param name="CreatedMs">When (ms since 1970 UTC).</param>
/// <param name="Name">Analysis name (virtual-image, com, strain…).</param>
/// <param name="Parameters">JSON parameters.</param>
/// <param name="Software">Software and version.</param>
/// <param name="Inputs">JSON list of inputs by hash.</param>
/// <param name="Outputs">JSON list of outputs (names, hashes, values).</param>
/// <param name="Provenance">For analyses Condenser ran: their provenance as JSON, the same tree the EMD results and <c>--json</c> hold (null for analyses recorded from elsewhere).</param>
public sealed record AnalysisRecord(long Id, string? User, long CreatedMs, string Name, string Parameters, string Software, string Inputs, string Outputs, string? Provenance = null);
