using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Records;

namespace Condenser.Catalog;

/// <summary>An annotation with the record it is on, for training sets.</summary>
/// <param name="Id">Annotation id.</param>
/// <param name="Dataset">The record's id.</param>
/// <param name="Sha256">SHA-256 of the record's file.</param>
/// <param name="Kind">label, note or region.</param>
/// <param name="Text">The label or note.</param>
/// <param name="Region">The region in dataset coordinates (<see cref="AnnotationRegion"/>), or null.</param>
/// <param name="User">Who added it (null: a program or a first library).</param>
/// <param name="Created">When (ISO 8601, UTC).</param>
public sealed record LabelledAnnotation(long Id, string Dataset, string Sha256, string Kind, string Text, JsonNode? Region, string? User, string Created);

/// <summary>An experiment with the number of records the caller may see.</summary>
/// <param name="Id">Experiment id.</param>
/// <param name="Name">Its name within the project.</param>
/// <param name="Sample">Sample.</param>
/// <param name="Elements">Elements.</param>
/// <param name="Description">Description.</param>
/// <param name="Goal">Goal.</param>
/// <param name="Instrument">Instrument.</param>
/// <param name="Operator">Operator.</param>
/// <param name="Created">When it was created (ISO 8601, UTC).</param>
/// <param name="Datasets">Records the caller may see.</param>
public sealed record ExperimentSummary(string Id, string Name, string? Sample, IReadOnlyList<string> Elements, string? Description, string? Goal, string? Instrument, string? Operator, string Created, long Datasets);

/// <summary>A session (one instrument, acquisitions less than 2 h apart) with the number of records the caller may see.</summary>
/// <param name="Id">Session id.</param>
/// <param name="Instrument">Instrument.</param>
/// <param name="Start">First acquisition (ISO 8601, UTC).</param>
/// <param name="End">Last acquisition (ISO 8601, UTC).</param>
/// <param name="Datasets">Records the caller may see.</param>
public sealed record SessionSummary(string Id, string Instrument, string Start, string End, long Datasets);

/// <summary>A page of listed items.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The items.</param>
public sealed record Listing<T>(IReadOnlyList<T> Items);

/// <summary>Listings across records, each under the access rule.</summary>
public sealed partial class Library
{
    /// <summary>Every annotation (of <paramref name="kind"/>, when given) on records <paramref name="who"/> may see, oldest first.</summary>
    public Listing<LabelledAnnotation> LabelledAnnotations(Principal who, string? kind, int limit = 10_000)
    {
        if (kind is not (null or "label" or "note" or "region"))
        {
            throw new CatalogException(CatalogError.Invalid, $"kind='{kind}': use label, note or region");
        }

        var args = new List<(string Name, object? Value)> { ("k", kind ?? string.Empty), ("n", Math.Clamp(limit, 1, 100_000)) };
        var acl = AccessRule.Sql(who, args, Clock.NowMs());
        return new(Db.Read(c => c.Query(null,
            $"SELECT a.id, a.dataset_id, d.file_sha256, a.kind, a.text, a.region, u.name, a.created_ms FROM annotations a JOIN datasets d ON d.id = a.dataset_id LEFT JOIN users u ON u.id = a.user_id WHERE (@k = '' OR a.kind = @k) AND {acl} ORDER BY a.id LIMIT @n",
            r => new LabelledAnnotation(Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
                r.IsDBNull(5) ? null : JsonNode.Parse(r.GetString(5)), r.IsDBNull(6) ? null : r.GetString(6), DatasetRecord.Iso(Convert.ToInt64(r.GetValue(7), CultureInfo.InvariantCulture))),
            [.. args])));
    }

    /// <summary>Experiments with records <paramref name="who"/> may see, newest first (at most 500).</summary>
    public Listing<ExperimentSummary> Experiments(Principal who)
    {
        var args = new List<(string Name, object? Value)>();
        var acl = AccessRule.Sql(who, args, Clock.NowMs());
        return new(Db.Read(c => c.Query(null,
            $"SELECT e.id, e.name, e.sample, e.elements, e.description, e.goal, e.instrument, e.operator, e.created_ms, COUNT(*) AS n FROM experiments e JOIN datasets d ON d.experiment_id = e.id WHERE {acl} GROUP BY e.id, e.name, e.sample, e.elements, e.description, e.goal, e.instrument, e.operator, e.created_ms ORDER BY e.created_ms DESC LIMIT 500",
            r => new ExperimentSummary(r.GetString(0), r.GetString(1), r.Text("sample"), DatasetRecord.SplitElements(r.Text("elements") ?? string.Empty), r.Text("description"), r.Text("goal"),
                r.Text("instrument"), r.Text("operator"), DatasetRecord.Iso(r.Int64("created_ms")), r.Int64("n")),
            [.. args])));
    }

    /// <summary>Sessions with records <paramref name="who"/> may see, newest first (at most 500).</summary>
    public Listing<SessionSummary> Sessions(Principal who)
    {
        var args = new List<(string Name, object? Value)>();
        var acl = AccessRule.Sql(who, args, Clock.NowMs());
        return new(Db.Read(c => c.Query(null,
            $"SELECT s.id, s.instrument, s.start_ms, s.end_ms, COUNT(*) AS n FROM sessions s JOIN datasets d ON d.session_id = s.id WHERE {acl} GROUP BY s.id, s.instrument, s.start_ms, s.end_ms ORDER BY s.start_ms DESC LIMIT 500",
            r => new SessionSummary(r.GetString(0), r.GetString(1), DatasetRecord.Iso(r.Int64("start_ms")), DatasetRecord.Iso(r.Int64("end_ms")), r.Int64("n")),
            [.. args])));
    }
}
