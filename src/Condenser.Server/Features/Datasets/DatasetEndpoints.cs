using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Catalog;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Catalog.Search;
using Condenser.Catalog.Sharing;
using Condenser.Server.Features.Analyses;
using Condenser.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Condenser.Server.Features.Datasets;

/// <summary>Search, records, previews, similar records, file downloads, annotations and analyses.</summary>
public static class DatasetEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/datasets").WithTags("datasets");
        g.MapGet("/", Search).WithSummary("Search records: q (words), instrument, signal_type, technique, format, project, sample, elements (comma-separated), beam_energy_min/max (keV), from/to (ISO dates), sort (time|ingested|name|beam_energy|size), order (asc|desc), page, page_size, facets");
        g.MapGet("/{id}", Get).WithSummary("One record with its full description; ETag and If-None-Match");
        g.MapPatch("/{id}", Patch).DescribesBody<RecordPatchRequest>("application/json").WithSummary("Change visibility, embargo_until, title, sample, elements or description (contributors of the project, admins)");
        g.MapGet("/{id}/preview.png", Preview).ProducesFile("image/png").WithSummary("A PNG: kind=preview (default, with scale bar), thumb, pattern (4D-STEM mean pattern), virtual (4D-STEM bright field)");
        g.MapGet("/{id}/similar", Similar).WithSummary("Records most like this one (cosine of PCA-reduced content descriptors), best first");
        g.MapGet("/{id}/file", Download).ProducesFile("application/octet-stream").WithSummary("The original file (or a companion by name); range requests and ETag (the SHA-256)");
        g.MapGet("/{id}/jsonld", ExportJsonLd).Produces<JsonObject>(200, "application/ld+json").WithSummary("The record as schema.org Dataset JSON-LD");
        g.MapGet("/{id}/nexus", ExportNexus).ProducesFile("application/x-hdf5").WithSummary("The dataset as a NeXus file shaped as NXem (data, axes, sample, user, instrument)");
        g.MapGet("/{id}/annotations", (string id, HttpContext ctx, Catalog.Library c) => TypedResults.Ok(c.Annotations(id, ctx.Caller()))).WithSummary("The record's labels, notes and regions (regions in dataset coordinates)");
        g.MapPost("/{id}/annotations", Annotate).DescribesBody<AnnotationRequest>("application/json").WithSummary("Add a label, note or region (JSON geometry) to a record");
        g.MapGet("/{id}/analyses", (string id, HttpContext ctx, Catalog.Library c) => TypedResults.Ok(c.Analyses(id, ctx.Caller()))).WithSummary("The analyses recorded on the record, with their provenance");
        g.MapPost("/{id}/analyses", RecordAnalysis).DescribesBody<AnalysisRequest>("application/json").WithSummary("Contributors: run an analysis on the record (analysis, parameters: see /api/analyses): 202 with the job, whose results become records linked to this one; with 'outputs', record an analysis run elsewhere (201)");
        app.MapGet("/api/sessions", Sessions).WithTags("datasets").WithSummary("Sessions (instrument + time-gap groups) with the number of visible records");
        app.MapGet("/api/annotations", Labels).WithTags("datasets").WithSummary("Every annotation on records the caller may see (kind=label|note|region to narrow): a labelled set for training models");
        app.MapGet("/api/experiments", Experiments).WithTags("datasets").WithSummary("Experiments (sample, elements, goal, instrument, operator) with the number of visible records");
    }

    private static Ok<SearchPage> Search([AsParameters] SearchParameters p, HttpContext ctx, Catalog.Library catalog)
    {
        var q = Query(p);
        bool facets = p.Facets is not ("0" or "false");
        var r = catalog.Search(q, ctx.Caller(), facets);
        return TypedResults.Ok(new SearchPage(r.Items.Select(i => i.View()).ToList(), r.Total, r.Page, r.PageSize, facets ? r.Facets : null));
    }

    /// <summary>Checks the search parameters; bad values are a 400 naming the parameter.</summary>
    public static SearchQuery Query(SearchParameters p)
    {
        static string? S(string? v) => v is { Length: > 0 } ? v : null;
        static int I(string? v, string k, int d) => S(v) is { } x
            ? int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new CatalogException(CatalogError.Invalid, $"{k}='{x}' is not an integer")
            : d;
        static double? D(string? v, string k) => S(v) is { } x
            ? double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n : throw new CatalogException(CatalogError.Invalid, $"{k}='{x}' is not a number")
            : null;
        string order = S(p.Order) ?? "desc";
        if (order is not ("asc" or "desc"))
        {
            throw new CatalogException(CatalogError.Invalid, $"order='{order}': use asc or desc");
        }

        return new SearchQuery
        {
            Text = S(p.Q),
            Instrument = S(p.Instrument),
            SignalType = S(p.SignalType),
            Technique = S(p.Technique),
            Format = S(p.Format),
            Project = S(p.Project),
            Sample = S(p.Sample),
            Elements = S(p.Elements)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            BeamEnergyMin = D(p.BeamEnergyMin, "beam_energy_min"),
            BeamEnergyMax = D(p.BeamEnergyMax, "beam_energy_max"),
            From = S(p.From) is { } f ? DatasetRecord.ParseTime(f, "from") : null,
            To = S(p.To) is { } t ? DatasetRecord.ParseTime(t, "to") : null,
            Year = S(p.Year) is { } y
                ? y == SearchQuery.UnknownYear || (y.Length == 4 && y.All(char.IsAsciiDigit)) ? y : throw new CatalogException(CatalogError.Invalid, $"year='{y}': a four-digit year or '{SearchQuery.UnknownYear}'")
                : null,
            Sort = S(p.Sort) ?? "time",
            Descending = order == "desc",
            Page = I(p.Page, "page", 1),
            PageSize = I(p.PageSize, "page_size", 20),
        };
    }

    private static Results<Ok<RecordView>, StatusCodeHttpResult> Get(string id, HttpContext ctx, Catalog.Library catalog)
    {
        var rec = catalog.Get(id, ctx.Caller());
        var etag = $"\"{rec.Id}-{rec.Seq}\"";
        ctx.Response.Headers.ETag = etag;
        ctx.Response.Headers.CacheControl = "private, no-cache";
        if (ctx.Request.Headers.IfNoneMatch.ToString().Split(',').Select(s => s.Trim()).Contains(etag))
        {
            return TypedResults.StatusCode(304);
        }

        return TypedResults.Ok(rec.View(withInfo: true) with
        {
            CanEdit = Catalog.Library.CanWrite(rec, ctx.Caller()),
            Previews = PreviewSet.Kinds.Where(k => File.Exists(catalog.Store.PreviewPath(rec.Id, k))).ToList(),
        });
    }

    private static async Task<Ok<RecordView>> Patch(string id, HttpContext ctx, Catalog.Library catalog)
    {
        var body = await JsonBody.ReadObject(ctx).ConfigureAwait(false);
        var request = JsonBody.Bind<RecordPatchRequest>(body);
        var patch = new RecordPatch
        {
            Visibility = request.Visibility is { } v ? AccessNames.ParseVisibility(v) : null,
            // Present and null lifts the embargo; absent leaves it.
            EmbargoMs = body.ContainsKey("embargo_until") ? request.EmbargoUntil is { } e ? DatasetRecord.ParseTime(e, "embargo_until") : 0 : null,
            Title = request.Title,
            Sample = request.Sample,
            Elements = request.Elements?.ToList(),
            Description = request.Description,
        };
        return TypedResults.Ok(catalog.Update(id, ctx.Caller(), patch).View());
    }

    private static IResult Preview(string id, string? kind, HttpContext ctx, Catalog.Library catalog)
    {
        kind ??= "preview";
        if (!PreviewSet.Kinds.Contains(kind))
        {
            throw new CatalogException(CatalogError.Invalid, $"kind='{kind}': use {string.Join(", ", PreviewSet.Kinds)}");
        }

        var rec = catalog.Get(id, ctx.Caller(), "preview");
        var path = catalog.Store.PreviewPath(rec.Id, kind);
        if (!File.Exists(path))
        {
            throw new CatalogException(CatalogError.NotFound, $"dataset {id} has no {kind} preview");
        }

        var info = new FileInfo(path);
        var tag = new EntityTagHeaderValue($"\"{rec.Id}-{kind}-{info.Length}-{info.LastWriteTimeUtc.Ticks}\"");
        ctx.Response.Headers.CacheControl = AccessRule.IsOpen(rec.Visibility, rec.EmbargoMs, Clock.NowMs()) ? "public, max-age=60" : "private, max-age=60";
        return Results.File(path, "image/png", lastModified: info.LastWriteTimeUtc, entityTag: tag);
    }

    private static Ok<SimilarPage> Similar(string id, int? count, HttpContext ctx, Catalog.Library catalog)
    {
        var list = catalog.Similar(id, ctx.Caller(), count ?? 10);
        return TypedResults.Ok(new SimilarPage(id, list.Select(x => x.Record.View() with { Score = Math.Round(x.Score, 6) }).ToList(), list.Count));
    }

    private static IResult Download(string id, string? name, HttpContext ctx, Catalog.Library catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "download");
        var file = name is null ? rec.Files.FirstOrDefault() : rec.Files.FirstOrDefault(f => f.Name == name);
        if (file is null || !catalog.Store.Contains(file.Sha256))
        {
            throw new CatalogException(CatalogError.NotFound, name is null ? $"the file of dataset {id} is not in this library" : $"dataset {id} has no file '{name}' here");
        }

        return Results.File(catalog.Store.ObjectPath(file.Sha256), "application/octet-stream", file.Name,
            entityTag: new EntityTagHeaderValue($"\"{file.Sha256}\""), enableRangeProcessing: true);
    }

    private static IResult ExportJsonLd(string id, HttpContext ctx, Catalog.Library catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "export");
        return Results.Text(JsonLd.Export(rec, BaseUrl(ctx)).ToJsonString(), "application/ld+json");
    }

    private static IResult ExportNexus(string id, HttpContext ctx, Catalog.Library catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "export");
        using var file = catalog.OpenFile(rec);
        var tmp = Path.Combine(catalog.Store.NewTempFolder(), rec.Id + ".nxs");
        new Condenser.Formats.Emd.NexusWriter().Write(tmp, [file.Datasets[rec.DatasetIndex]], new Condenser.Formats.WriteOptions
        {
            Software = Catalog.Library.SoftwareVersion,
            Sample = rec.Sample,
            Elements = rec.Elements,
            Operator = rec.Operator,
            Identifier = $"{BaseUrl(ctx)}/api/datasets/{rec.Id}",
        });
        var stream = new FileStream(tmp, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.DeleteOnClose);
        File.Delete(tmp);
        Directory.Delete(Path.GetDirectoryName(tmp)!);
        var name = Path.GetFileNameWithoutExtension(rec.FileName) + (rec.DatasetIndex > 0 ? $"_{rec.DatasetIndex}" : string.Empty) + ".nxs";
        return Results.Stream(stream, "application/x-hdf5", name);
    }

    /// <summary>The URL the caller used to reach this server.</summary>
    public static string BaseUrl(HttpContext ctx) => $"{ctx.Request.Scheme}://{ctx.Request.Host}{ctx.Request.PathBase}";

    private static async Task<Created<Annotation>> Annotate(string id, HttpContext ctx, Catalog.Library catalog)
    {
        var body = await JsonBody.Read<AnnotationRequest>(ctx).ConfigureAwait(false);
        var a = catalog.Annotate(id, ctx.Caller(), body.Kind ?? "label", body.Text ?? string.Empty, body.Region?.ToJsonString());
        return TypedResults.Created((string?)null, a);
    }

    private static async Task<Results<Created<AnalysisRecord>, Accepted<JobView>>> RecordAnalysis(string id, HttpContext ctx, Catalog.Library catalog, AnalysisJobs jobs)
    {
        var body = await JsonBody.Read<AnalysisRequest>(ctx).ConfigureAwait(false);
        var name = body.Analysis ?? throw new CatalogException(CatalogError.Invalid, "the body needs 'analysis' (its name)");
        if (body.Outputs is null)
        {
            var job = jobs.Start(id, ctx.Caller(), name, body.Parameters);
            return TypedResults.Accepted($"/api/jobs/{job.Id}", job);
        }

        var a = catalog.RecordAnalysis(id, ctx.Caller(), name, body.Parameters ?? new JsonObject(), body.Outputs ?? new JsonObject(), body.Software);
        return TypedResults.Created((string?)null, a);
    }

    private static Ok<Listing<LabelledAnnotation>> Labels(string? kind, int? limit, HttpContext ctx, Catalog.Library catalog)
        => TypedResults.Ok(catalog.LabelledAnnotations(ctx.Caller(), kind, limit ?? 10_000));

    private static Ok<Listing<ExperimentSummary>> Experiments(HttpContext ctx, Catalog.Library catalog) => TypedResults.Ok(catalog.Experiments(ctx.Caller()));

    private static Ok<Listing<SessionSummary>> Sessions(HttpContext ctx, Catalog.Library catalog) => TypedResults.Ok(catalog.Sessions(ctx.Caller()));
}

/// <summary>The search parameters as the API takes them (parsed and checked by <see cref="DatasetEndpoints.Query"/>, each bad value a 400 naming it).</summary>
/// <param name="Q">Words (prefix match on names, titles, samples, descriptions, metadata).</param>
/// <param name="Instrument">Instrument facet value.</param>
/// <param name="SignalType">Signal type facet value (image, 4d_stem, spectrum, ...).</param>
/// <param name="Technique">Technique facet value.</param>
/// <param name="Format">Format facet value.</param>
/// <param name="Project">Project name.</param>
/// <param name="Sample">Sample.</param>
/// <param name="Elements">Elements, comma-separated (every one must be present).</param>
/// <param name="BeamEnergyMin">Lowest beam energy (keV).</param>
/// <param name="BeamEnergyMax">Highest beam energy (keV).</param>
/// <param name="From">Earliest time (ISO 8601 date or time).</param>
/// <param name="To">Latest time (ISO 8601 date or time).</param>
/// <param name="Year">Year of acquisition (the year facet's value), or "unknown" for records without an acquisition time.</param>
/// <param name="Sort">time, ingested, name, beam_energy or size.</param>
/// <param name="Order">asc or desc (default).</param>
/// <param name="Page">Page number from 1.</param>
/// <param name="PageSize">Records per page (1..200).</param>
/// <param name="Facets">false or 0 to leave the facet counts out.</param>
public sealed record SearchParameters(
    [property: FromQuery(Name = "q")] string? Q,
    [property: FromQuery(Name = "instrument")] string? Instrument,
    [property: FromQuery(Name = "signal_type")] string? SignalType,
    [property: FromQuery(Name = "technique")] string? Technique,
    [property: FromQuery(Name = "format")] string? Format,
    [property: FromQuery(Name = "project")] string? Project,
    [property: FromQuery(Name = "sample")] string? Sample,
    [property: FromQuery(Name = "elements")] string? Elements,
    [property: FromQuery(Name = "beam_energy_min")] string? BeamEnergyMin,
    [property: FromQuery(Name = "beam_energy_max")] string? BeamEnergyMax,
    [property: FromQuery(Name = "from")] string? From,
    [property: FromQuery(Name = "to")] string? To,
    [property: FromQuery(Name = "year")] string? Year,
    [property: FromQuery(Name = "sort")] string? Sort,
    [property: FromQuery(Name = "order")] string? Order,
    [property: FromQuery(Name = "page")] string? Page,
    [property: FromQuery(Name = "page_size")] string? PageSize,
    [property: FromQuery(Name = "facets")] string? Facets);
