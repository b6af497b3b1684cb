using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Catalog;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Catalog.Search;
using Condenser.Catalog.Sharing;
using Condenser.Server.Hosting;
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
        g.MapPatch("/{id}", Patch).WithSummary("Change visibility, embargo_until, title, sample, elements or description (contributors of the project, admins)");
        g.MapGet("/{id}/preview.png", Preview).WithSummary("A PNG: kind=preview (default, with scale bar), thumb, pattern (4D-STEM mean pattern), virtual (4D-STEM bright field)");
        g.MapGet("/{id}/similar", Similar).WithSummary("Records most like this one (cosine of PCA-reduced content descriptors), best first");
        g.MapGet("/{id}/file", Download).WithSummary("The original file (or a companion by name); range requests and ETag (the SHA-256)");
        g.MapGet("/{id}/jsonld", ExportJsonLd).WithSummary("The record as schema.org Dataset JSON-LD");
        g.MapGet("/{id}/nexus", ExportNexus).WithSummary("The dataset as a NeXus file shaped as NXem (data, axes, sample, user, instrument)");
        g.MapGet("/{id}/annotations", (string id, HttpContext ctx, Catalog.Catalog c) => Results.Json(c.Annotations(id, ctx.Caller())));
        g.MapPost("/{id}/annotations", Annotate).WithSummary("Add a label, note or region (JSON geometry) to a record");
        g.MapGet("/{id}/analyses", (string id, HttpContext ctx, Catalog.Catalog c) => Results.Json(c.Analyses(id, ctx.Caller())));
        g.MapPost("/{id}/analyses", RecordAnalysis).WithSummary("Record an analysis with its parameters and outputs; inputs are recorded by hash");
        app.MapGet("/api/sessions", Sessions).WithTags("datasets").WithSummary("Sessions (instrument + time-gap groups) with the number of visible records");
        app.MapGet("/api/annotations", Labels).WithTags("datasets").WithSummary("Every annotation on records the caller may see (kind=label|note|region to narrow): a labelled set for training models");
        app.MapGet("/api/experiments", Experiments).WithTags("datasets").WithSummary("Experiments (sample, elements, goal, instrument, operator) with the number of visible records");
    }

    private static IResult Search(HttpContext ctx, Catalog.Catalog catalog)
    {
        var q = Query(ctx.Request.Query);
        bool facets = ctx.Request.Query["facets"].ToString() is not ("0" or "false");
        var r = catalog.Search(q, ctx.Caller(), facets);
        var o = new JsonObject
        {
            ["items"] = new JsonArray(r.Items.Select(i => (JsonNode)i.ToJson()).ToArray()),
            ["total"] = r.Total,
            ["page"] = r.Page,
            ["page_size"] = r.PageSize,
        };
        if (facets)
        {
            o["facets"] = new JsonObject(r.Facets.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray(
                kv.Value.Select(f => (JsonNode)new JsonObject { ["value"] = f.Value, ["count"] = f.Count }).ToArray()))));
        }

        return Results.Text(o.ToJsonString(), "application/json");
    }

    /// <summary>Parses the search parameters; bad values are a 400 naming the parameter.</summary>
    public static SearchQuery Query(IQueryCollection p)
    {
        static string? S(IQueryCollection p, string k) => p[k].ToString() is { Length: > 0 } v ? v : null;
        static int I(IQueryCollection p, string k, int d) => S(p, k) is { } v
            ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) ? x : throw new CatalogException(CatalogError.Invalid, $"{k}='{v}' is not an integer")
            : d;
        static double? D(IQueryCollection p, string k) => S(p, k) is { } v
            ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x : throw new CatalogException(CatalogError.Invalid, $"{k}='{v}' is not a number")
            : null;
        string order = S(p, "order") ?? "desc";
        if (order is not ("asc" or "desc"))
        {
            throw new CatalogException(CatalogError.Invalid, $"order='{order}': use asc or desc");
        }

        return new SearchQuery
        {
            Text = S(p, "q"),
            Instrument = S(p, "instrument"),
            SignalType = S(p, "signal_type"),
            Technique = S(p, "technique"),
            Format = S(p, "format"),
            Project = S(p, "project"),
            Sample = S(p, "sample"),
            Elements = S(p, "elements")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            BeamEnergyMin = D(p, "beam_energy_min"),
            BeamEnergyMax = D(p, "beam_energy_max"),
            From = S(p, "from") is { } f ? DatasetRecord.ParseTime(f, "from") : null,
            To = S(p, "to") is { } t ? DatasetRecord.ParseTime(t, "to") : null,
            Sort = S(p, "sort") ?? "time",
            Descending = order == "desc",
            Page = I(p, "page", 1),
            PageSize = I(p, "page_size", 20),
        };
    }

    private static IResult Get(string id, HttpContext ctx, Catalog.Catalog catalog)
    {
        var rec = catalog.Get(id, ctx.Caller());
        var etag = $"\"{rec.Id}-{rec.Seq}\"";
        ctx.Response.Headers.ETag = etag;
        ctx.Response.Headers.CacheControl = "private, no-cache";
        if (ctx.Request.Headers.IfNoneMatch.ToString().Split(',').Select(s => s.Trim()).Contains(etag))
        {
            return Results.StatusCode(304);
        }

        var o = rec.ToJson(withInfo: true);
        o["can_edit"] = Catalog.Catalog.CanWrite(rec, ctx.Caller());
        o["previews"] = new JsonArray(PreviewSet.Kinds.Where(k => File.Exists(catalog.Store.PreviewPath(rec.Id, k))).Select(k => (JsonNode)k).ToArray());
        return Results.Text(o.ToJsonString(), "application/json");
    }

    private static async Task<IResult> Patch(string id, HttpContext ctx, Catalog.Catalog catalog)
    {
        var body = await Body(ctx).ConfigureAwait(false);
        var patch = new RecordPatch
        {
            Visibility = body["visibility"] is { } v ? AccessNames.ParseVisibility(v.GetValue<string>()) : null,
            EmbargoMs = body.ContainsKey("embargo_until") ? body["embargo_until"] is { } e ? DatasetRecord.ParseTime(e.GetValue<string>(), "embargo_until") : 0 : null,
            Title = body["title"]?.GetValue<string>(),
            Sample = body["sample"]?.GetValue<string>(),
            Elements = body["elements"]?.AsArray().Select(x => x!.GetValue<string>()).ToList(),
            Description = body["description"]?.GetValue<string>(),
        };
        var rec = catalog.Update(id, ctx.Caller(), patch);
        return Results.Text(rec.ToJson().ToJsonString(), "application/json");
    }

    /// <summary>Reads a JSON object body of at most 1 MiB; a 400 names what was wrong.</summary>
    public static async Task<JsonObject> Body(HttpContext ctx)
    {
        if (ctx.Request.ContentLength > 1 << 20)
        {
            throw new CatalogException(CatalogError.TooLarge, "a JSON body may be at most 1 MiB");
        }

        try
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var buffer = new char[(1 << 20) + 1];
            int n = await reader.ReadBlockAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
            if (n > 1 << 20)
            {
                throw new CatalogException(CatalogError.TooLarge, "a JSON body may be at most 1 MiB");
            }

            return JsonNode.Parse(new string(buffer, 0, n)) as JsonObject ?? throw new CatalogException(CatalogError.Invalid, "the body must be a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CatalogException(CatalogError.Invalid, $"the body is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new CatalogException(CatalogError.Invalid, $"a field has the wrong type: {e.Message}", e);
        }
    }

    private static IResult Preview(string id, string? kind, HttpContext ctx, Catalog.Catalog catalog)
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
        ctx.Response.Headers.CacheControl = AccessFilter.IsOpen(rec.Visibility, rec.EmbargoMs, Clock.NowMs()) ? "public, max-age=60" : "private, max-age=60";
        return Results.File(path, "image/png", lastModified: info.LastWriteTimeUtc, entityTag: tag);
    }

    private static IResult Similar(string id, int? count, HttpContext ctx, Catalog.Catalog catalog)
    {
        var list = catalog.Similar(id, ctx.Caller(), count ?? 10);
        var o = new JsonObject
        {
            ["id"] = id,
            ["items"] = new JsonArray(list.Select(x =>
            {
                var j = x.Record.ToJson();
                j["score"] = Math.Round(x.Score, 6);
                return (JsonNode)j;
            }).ToArray()),
            ["total"] = list.Count,
        };
        return Results.Text(o.ToJsonString(), "application/json");
    }

    private static IResult Download(string id, string? name, HttpContext ctx, Catalog.Catalog catalog)
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

    private static IResult ExportJsonLd(string id, HttpContext ctx, Catalog.Catalog catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "export");
        return Results.Text(JsonLd.Export(rec, BaseUrl(ctx)).ToJsonString(), "application/ld+json");
    }

    private static IResult ExportNexus(string id, HttpContext ctx, Catalog.Catalog catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "export");
        using var file = catalog.OpenFile(rec);
        var tmp = Path.Combine(catalog.Store.NewTempFolder(), rec.Id + ".nxs");
        new Condenser.Formats.Emd.NexusWriter().Write(tmp, [file.Datasets[rec.DatasetIndex]], new Condenser.Formats.WriteOptions
        {
            Software = Catalog.Catalog.SoftwareVersion,
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

    private static async Task<IResult> Annotate(string id, HttpContext ctx, Catalog.Catalog catalog)
    {
        var body = await Body(ctx).ConfigureAwait(false);
        var a = catalog.Annotate(id, ctx.Caller(), body["kind"]?.GetValue<string>() ?? "label", body["text"]?.GetValue<string>() ?? string.Empty, body["region"]?.ToJsonString());
        return Results.Json(a, statusCode: 201);
    }

    private static async Task<IResult> RecordAnalysis(string id, HttpContext ctx, Catalog.Catalog catalog)
    {
        var body = await Body(ctx).ConfigureAwait(false);
        var name = body["analysis"]?.GetValue<string>() ?? throw new CatalogException(CatalogError.Invalid, "the body needs 'analysis' (its name)");
        var a = catalog.RecordAnalysis(id, ctx.Caller(), name, body["parameters"] ?? new JsonObject(), body["outputs"] ?? new JsonObject(), body["software"]?.GetValue<string>());
        return Results.Json(a, statusCode: 201);
    }

    private static IResult Labels(string? kind, int? limit, HttpContext ctx, Catalog.Catalog catalog)
    {
        if (kind is not (null or "label" or "note" or "region"))
        {
            throw new CatalogException(CatalogError.Invalid, $"kind='{kind}': use label, note or region");
        }

        var args = new List<(string Name, object? Value)> { ("k", kind ?? string.Empty), ("n", Math.Clamp(limit ?? 10_000, 1, 100_000)) };
        var acl = AccessFilter.Sql(ctx.Caller(), args, Clock.NowMs());
        var rows = catalog.Db.Read(c => Catalog.Database.DbExtensions.Query(c, null,
            $"SELECT a.id, a.dataset_id, d.file_sha256, a.kind, a.text, a.region, u.name, a.created_ms FROM annotations a JOIN datasets d ON d.id = a.dataset_id LEFT JOIN users u ON u.id = a.user_id WHERE (@k = '' OR a.kind = @k) AND {acl} ORDER BY a.id LIMIT @n",
            r => (JsonNode)new JsonObject
            {
                ["id"] = Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture),
                ["dataset"] = r.GetString(1),
                ["sha256"] = r.GetString(2),
                ["kind"] = r.GetString(3),
                ["text"] = r.GetString(4),
                ["region"] = r.IsDBNull(5) ? null : JsonNode.Parse(r.GetString(5)),
                ["user"] = r.IsDBNull(6) ? null : r.GetString(6),
                ["created"] = DatasetRecord.Iso(Convert.ToInt64(r.GetValue(7), CultureInfo.InvariantCulture)),
            }, [.. args]));
        return Results.Text(new JsonObject { ["items"] = new JsonArray([.. rows]) }.ToJsonString(), "application/json");
    }

    private static IResult Experiments(HttpContext ctx, Catalog.Catalog catalog)
    {
        var args = new List<(string Name, object? Value)>();
        var acl = AccessFilter.Sql(ctx.Caller(), args, Clock.NowMs());
        var rows = catalog.Db.Read(c => Catalog.Database.DbExtensions.Query(c, null,
            $"SELECT e.id, e.name, e.sample, e.elements, e.description, e.goal, e.instrument, e.operator, e.created_ms, COUNT(*) AS n FROM experiments e JOIN datasets d ON d.experiment_id = e.id WHERE {acl} GROUP BY e.id, e.name, e.sample, e.elements, e.description, e.goal, e.instrument, e.operator, e.created_ms ORDER BY e.created_ms DESC LIMIT 500",
            r => (JsonNode)new JsonObject
            {
                ["id"] = r.GetString(0),
                ["name"] = r.GetString(1),
                ["sample"] = r.IsDBNull(2) ? null : r.GetString(2),
                ["elements"] = new JsonArray(DatasetRecord.SplitElements(r.IsDBNull(3) ? string.Empty : r.GetString(3)).Select(e => (JsonNode)e).ToArray()),
                ["description"] = r.IsDBNull(4) ? null : r.GetString(4),
                ["goal"] = r.IsDBNull(5) ? null : r.GetString(5),
                ["instrument"] = r.IsDBNull(6) ? null : r.GetString(6),
                ["operator"] = r.IsDBNull(7) ? null : r.GetString(7),
                ["created"] = DatasetRecord.Iso(Convert.ToInt64(r.GetValue(8), CultureInfo.InvariantCulture)),
                ["datasets"] = Convert.ToInt64(r.GetValue(9), CultureInfo.InvariantCulture),
            }, [.. args]));
        return Results.Text(new JsonObject { ["items"] = new JsonArray([.. rows]) }.ToJsonString(), "application/json");
    }

    private static IResult Sessions(HttpContext ctx, Catalog.Catalog catalog)
    {
        var args = new List<(string Name, object? Value)>();
        var acl = AccessFilter.Sql(ctx.Caller(), args, Clock.NowMs());
        var rows = catalog.Db.Read(c => Catalog.Database.DbExtensions.Query(c, null,
            $"SELECT s.id, s.instrument, s.start_ms, s.end_ms, COUNT(*) AS n FROM sessions s JOIN datasets d ON d.session_id = s.id WHERE {acl} GROUP BY s.id, s.instrument, s.start_ms, s.end_ms ORDER BY s.start_ms DESC LIMIT 500",
            r => (JsonNode)new JsonObject
            {
                ["id"] = r.GetString(0),
                ["instrument"] = r.GetString(1),
                ["start"] = DatasetRecord.Iso(Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture)),
                ["end"] = DatasetRecord.Iso(Convert.ToInt64(r.GetValue(3), CultureInfo.InvariantCulture)),
                ["datasets"] = Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture),
            }, [.. args]));
        return Results.Text(new JsonObject { ["items"] = new JsonArray([.. rows]) }.ToJsonString(), "application/json");
    }
}
