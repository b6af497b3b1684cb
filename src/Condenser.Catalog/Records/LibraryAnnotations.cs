using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Records;
using Condenser.Formats;
using Condenser.Processing.Analyses;
using System.Data.Common;

namespace Condenser.Catalog;

/// <summary>Annotations and analyses of records: what people and programs add to the library.</summary>
public sealed partial class Library
{
    /// <summary>Adds an annotation (the record's owner, contributors of its project and admins).</summary>
    public Annotation Annotate(string id, Principal who, string kind, string text, string? region)
    {
        var rec = Get(id, who);
        RequireContributor(rec, who, "annotate");

        if (kind is not ("label" or "note" or "region") || string.IsNullOrWhiteSpace(text) || text.Length > 10_000 || (region?.Length ?? 0) > 100_000)
        {
            throw new CatalogException(CatalogError.Invalid, "an annotation has kind label, note or region and 1..10000 characters of text");
        }

        // A region is checked against the dataset and stored in its coordinates, calibrated by its axes.
        region = region is null ? null : AnnotationRegion.Normalise(region, rec.Shape, rec.NavigationDims, rec.Info);

        long now = Clock.NowMs();
        Db.Write((c, tx) =>
        {
            c.Execute(tx, "INSERT INTO annotations (dataset_id, user_id, created_ms, kind, text, region) VALUES (@d, @u, @t, @k, @x, @r)",
                ("d", rec.Id), ("u", who.UserId), ("t", now), ("k", kind), ("x", text), ("r", region));
            AuditLog.Write(c, tx, new AuditEntry(now, who.UserId, "annotate", rec.Id, kind));
            return 0;
        });
        return Annotations(id, who).Last();
    }

    /// <summary>
    /// Who may add to a record (labels, notes, regions, analyses): its owner, contributors of its project and admins.
    /// Anyone else who can see it reads only: viewers, and contributors of other projects (a public or institution
    /// record is not theirs to label).
    /// </summary>
    internal static void RequireContributor(DatasetRecord rec, Principal who, string what)
    {
        if (!who.IsAuthenticated)
        {
            throw new CatalogException(CatalogError.Unauthenticated, $"to {what} you must sign in");
        }

        if (!CanContribute(rec, who))
        {
            throw new CatalogException(CatalogError.Forbidden, who.Role == Role.Viewer
                ? $"{who.Name} may not {what} (viewers read only)"
                : $"{who.Name} may not {what} on a record of another project");
        }
    }

    /// <summary>The annotations of a record the caller may see.</summary>
    public IReadOnlyList<Annotation> Annotations(string id, Principal who)
    {
        var rec = Get(id, who, "read-annotations");
        return Db.Read(c => c.Query(null,
            "SELECT a.id, u.name, a.created_ms, a.kind, a.text, a.region FROM annotations a LEFT JOIN users u ON u.id = a.user_id WHERE a.dataset_id = @d ORDER BY a.id",
            r => new Annotation(r.Int64("id"), r.Text("name"), r.Int64("created_ms"), r.GetString(3), r.GetString(4), r.Text("region")), ("d", rec.Id)));
    }

    /// <summary>Records an analysis run elsewhere on a record: its name, parameters, outputs and software; the record is its input.</summary>
    public AnalysisRecord RecordAnalysis(string id, Principal who, string name, JsonNode parameters, JsonNode outputs, string? software = null)
    {
        var rec = Get(id, who);
        RequireContributor(rec, who, "record analyses");
        Db.Write((c, tx) => InsertAnalysis(c, tx, rec, who.UserId, name, parameters.ToJsonString(), software ?? SoftwareVersion, outputs.ToJsonString(), null));
        return Analyses(id, who).Last();
    }

    /// <summary>Records an analysis Condenser ran on a record: its provenance as the result holds it, its summary as outputs.</summary>
    public AnalysisRecord RecordAnalysis(string id, Principal who, AnalysisResult result)
    {
        var rec = Get(id, who);
        RequireContributor(rec, who, "record analyses");
        Db.Write((c, tx) => InsertAnalysis(c, tx, rec, who.UserId, result));
        return Analyses(id, who).Last();
    }

    /// <summary>Inserts the analyses row of <paramref name="result"/> on <paramref name="rec"/> (inside the caller's transaction).</summary>
    internal static int InsertAnalysis(DbConnection c, DbTransaction tx, DatasetRecord rec, string? userId, AnalysisResult result)
    {
        var p = result.Provenance;
        return InsertAnalysis(c, tx, rec, userId, p.Analysis, MetadataJson.Tree(p.Parameters).ToJsonString(), AnalysisProvenance.Software,
            result.Summary.ToJsonString(), MetadataJson.Tree(p.ToTree()).ToJsonString());
    }

    private static int InsertAnalysis(DbConnection c, DbTransaction tx, DatasetRecord rec, string? userId, string name, string parameters, string software, string outputs, string? provenance)
    {
        var inputs = new JsonArray(new JsonObject { ["dataset"] = rec.Id, ["sha256"] = rec.FileSha256, ["data_sha256"] = rec.DataSha256 });
        long now = Clock.NowMs();
        c.Execute(tx, "INSERT INTO analyses (dataset_id, user_id, created_ms, analysis, parameters, software, inputs, outputs, provenance) VALUES (@d, @u, @t, @a, @p, @s, @i, @o, @pr)",
            ("d", rec.Id), ("u", userId), ("t", now), ("a", name), ("p", parameters), ("s", software), ("i", inputs.ToJsonString()), ("o", outputs), ("pr", provenance));
        AuditLog.Write(c, tx, new AuditEntry(now, userId, "analysis", rec.Id, name));
        return 0;
    }

    /// <summary>The analyses of a record.</summary>
    public IReadOnlyList<AnalysisRecord> Analyses(string id, Principal who)
    {
        var rec = Get(id, who, "read-analyses");
        return Db.Read(c => c.Query(null,
            "SELECT a.id, u.name, a.created_ms, a.analysis, a.parameters, a.software, a.inputs, a.outputs, a.provenance FROM analyses a LEFT JOIN users u ON u.id = a.user_id WHERE a.dataset_id = @d ORDER BY a.id",
            r => new AnalysisRecord(r.Int64("id"), r.Text("name"), r.Int64("created_ms"), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), r.Text("provenance")), ("d", rec.Id)));
    }
}
