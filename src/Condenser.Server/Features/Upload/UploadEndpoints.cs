using Condenser.Catalog;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Catalog.Storage;
using Condenser.Server.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Condenser.Server.Features.Upload;

/// <summary>
/// Upload: <c>POST /api/datasets</c> with <c>multipart/form-data</c> (one part per file: a main file and its
/// companions, e.g. a .mib with its .hdr). The files are streamed to a private temporary folder with a byte limit,
/// ingested like a folder, and the folder is removed whatever happens: a refused upload leaves no trace.
/// Options come as query parameters: project, visibility, embargo_until, experiment, sample, elements, description, operator.
/// </summary>
public static class UploadEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static void Map(WebApplication app, ServerOptions options)
    {
        app.MapPost("/api/datasets", ([AsParameters] UploadParameters p, HttpContext ctx, Catalog.Library catalog) => Upload(p, ctx, catalog, options))
            .DescribesBody<UploadForm>("multipart/form-data")
            .WithTags("upload").WithSummary("Upload files (multipart/form-data) and ingest them; 201 with the new record ids, 200 when all were duplicates")
            .DisableAntiforgery();
    }

    /// <summary>The ingest options of the upload's query parameters.</summary>
    public static IngestOptions Options(UploadParameters p, long maxBytes)
    {
        static string? S(string? v) => v is { Length: > 0 } ? v : null;
        return new IngestOptions
        {
            Project = S(p.Project) ?? "default",
            Visibility = S(p.Visibility) is { } v ? AccessNames.ParseVisibility(v) : Visibility.Project,
            EmbargoMs = S(p.EmbargoUntil) is { } e ? DatasetRecord.ParseTime(e, "embargo_until") : 0,
            Experiment = S(p.Experiment),
            Sample = S(p.Sample),
            Elements = S(p.Elements)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(DatasetRecord.NormaliseElement).ToList() ?? [],
            Description = S(p.Description),
            Operator = S(p.Operator),
            MaxFileBytes = maxBytes,
        };
    }

    private static async Task<Results<Created<UploadAnswer>, Ok<UploadAnswer>>> Upload(UploadParameters parameters, HttpContext ctx, Catalog.Library catalog, ServerOptions server)
    {
        var who = ctx.Caller();
        var options = Options(parameters, server.MaxUploadBytes);
        catalog.CheckIngest(who, options.Project); // refuse before reading the body
        if (ctx.Request.ContentLength > server.MaxUploadBytes)
        {
            throw new CatalogException(CatalogError.TooLarge, $"the upload ({ctx.Request.ContentLength} bytes) is larger than the {server.MaxUploadBytes} bytes this library accepts");
        }

        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = server.MaxUploadBytes + (1 << 20);
        }

        var boundary = MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value : null;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            throw new CatalogException(CatalogError.Invalid, "upload files as multipart/form-data");
        }

        var folder = catalog.Store.NewTempFolder();
        try
        {
            var reader = new MultipartReader(boundary, ctx.Request.Body) { HeadersLengthLimit = 16 << 10 };
            long total = 0;
            int files = 0;
            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(ctx.RequestAborted).ConfigureAwait(false)) is not null)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var cd) || !cd.IsFileDisposition())
                {
                    continue;
                }

                var name = ObjectStore.SafeName(HeaderUtilities.RemoveQuotes(cd.FileNameStar.HasValue ? cd.FileNameStar : cd.FileName).Value ?? string.Empty);
                var path = Path.Combine(folder, name);
                if (File.Exists(path))
                {
                    throw new CatalogException(CatalogError.Invalid, $"the upload names '{name}' twice");
                }

                if (++files > 64)
                {
                    throw new CatalogException(CatalogError.Invalid, "at most 64 files per upload");
                }

                await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
                {
                    var buffer = new byte[1 << 20];
                    int n;
                    while ((n = await section.Body.ReadAsync(buffer, ctx.RequestAborted).ConfigureAwait(false)) > 0)
                    {
                        total += n;
                        if (total > server.MaxUploadBytes)
                        {
                            throw new CatalogException(CatalogError.TooLarge, $"the upload is larger than the {server.MaxUploadBytes} bytes this library accepts");
                        }

                        await output.WriteAsync(buffer.AsMemory(0, n), ctx.RequestAborted).ConfigureAwait(false);
                    }
                }
            }

            if (files == 0)
            {
                throw new CatalogException(CatalogError.Invalid, "the upload holds no file part");
            }

            var outcomes = await Task.Run(() => Ingest(catalog, folder, who, options, ctx.RequestAborted), ctx.RequestAborted).ConfigureAwait(false);
            var body = new UploadAnswer(outcomes);
            if (outcomes.Any(o => o.Status == IngestStatus.Ingested))
            {
                return TypedResults.Created((string?)null, body);
            }

            if (outcomes.Count > 0 && outcomes.All(o => o.Status == IngestStatus.Duplicate))
            {
                return TypedResults.Ok(body);
            }

            var why = string.Join("; ", outcomes.Where(o => o.Error is not null).Select(o => o.Error));
            throw new CatalogException(CatalogError.Unreadable, why.Length > 0 ? why : "no file of the upload is one Condenser can read");
        }
        catch (IOException e) when (e is not FileNotFoundException and not BadHttpRequestException && e.InnerException is not BadHttpRequestException && !ctx.RequestAborted.IsCancellationRequested)
        {
            throw new CatalogException(CatalogError.Invalid, $"the upload could not be read: {e.Message}", e);
        }
        catch (InvalidDataException e) when (!ctx.RequestAborted.IsCancellationRequested)
        {
            // The multipart reader's refusals: part headers over the 16 KiB limit, a body that breaks the framing.
            throw new CatalogException(CatalogError.Invalid, $"the multipart body is malformed: {e.Message.TrimEnd('.')} (part headers may be at most 16 KiB)", e);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Ingests an upload folder: every readable file (companions with their main file); unreadable ones are reported.</summary>
    private static IReadOnlyList<IngestOutcome> Ingest(Catalog.Library catalog, string folder, Principal who, IngestOptions options, CancellationToken cancel)
    {
        var all = catalog.Ingestor.IngestPaths([folder], who, options, cancel: cancel).ToList();
        var reported = all.Select(o => o.File).ToHashSet();
        var companions = Condenser.Formats.FormatRegistry.Group(Directory.EnumerateFiles(folder)).SelectMany(g => g.Companions).Select(Path.GetFileName).ToHashSet();

        foreach (var f in Directory.EnumerateFiles(folder).Select(Path.GetFileName))
        {
            if (!reported.Contains(f!) && !companions.Contains(f!))
            {
                all.Add(new IngestOutcome(f!, IngestStatus.Failed, [], $"{f}: not a file format Condenser knows"));
            }
        }

        return all;
    }
}

/// <summary>What an upload became: one outcome per file (companions are part of their main file's).</summary>
/// <param name="Files">The outcomes.</param>
public sealed record UploadAnswer([property: System.Text.Json.Serialization.JsonPropertyName("files")] IReadOnlyList<IngestOutcome> Files);

/// <summary>The multipart form of an upload: one part per file, a main file and its companions.</summary>
/// <param name="Files">The files.</param>
public sealed record UploadForm(IFormFileCollection Files);

/// <summary>The ingest options of an upload, as query parameters (read by <see cref="UploadEndpoints.Options"/>).</summary>
/// <param name="Project">Project to ingest into (default: default).</param>
/// <param name="Visibility">private, project (default), institution or public.</param>
/// <param name="EmbargoUntil">ISO 8601 date or time before which the record stays unlisted.</param>
/// <param name="Experiment">Experiment the files belong to.</param>
/// <param name="Sample">Sample name.</param>
/// <param name="Elements">Chemical symbols, comma-separated.</param>
/// <param name="Description">Free text.</param>
/// <param name="Operator">Who acquired the data.</param>
public sealed record UploadParameters(
    [property: FromQuery(Name = "project")] string? Project,
    [property: FromQuery(Name = "visibility")] string? Visibility,
    [property: FromQuery(Name = "embargo_until")] string? EmbargoUntil,
    [property: FromQuery(Name = "experiment")] string? Experiment,
    [property: FromQuery(Name = "sample")] string? Sample,
    [property: FromQuery(Name = "elements")] string? Elements,
    [property: FromQuery(Name = "description")] string? Description,
    [property: FromQuery(Name = "operator")] string? Operator);
