using Condenser.Catalog.Sharing;
using Condenser.Server.Features.Analyses;
using Condenser.Server.Features.Autopilot;
using Condenser.Server.Features.Datasets;
using Condenser.Server.Features.Sharing;
using Condenser.Server.Features.Upload;
using Condenser.Server.Features.Users;
using Condenser.Server.Features.Viewer;
using Condenser.Server.Hosting;
using Microsoft.Extensions.FileProviders;

namespace Condenser.Server;

/// <summary>The platform's web server: the HTTP API (minimal APIs, OpenAPI at <c>/openapi/v1.json</c>, problem details) and the web UI.</summary>
public static class CondenserServer
{
    /// <summary>Builds the application on an open catalogue (the caller disposes the catalogue after the app stops).</summary>
    public static WebApplication Build(ServerOptions options, Catalog.Library catalog, Action<ILoggingBuilder>? logging = null)
    {
        // Catalogue calls block on the database: enough pool threads from the start that a burst does not queue behind
        // the pool's slow growth.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxUploadBytes + (1 << 20);
            k.AddServerHeader = false;
        });
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Condenser", LogLevel.Information);
        }
        else
        {
            logging(builder.Logging);
        }

        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new Auth(catalog));
        builder.Services.AddSingleton(sp => new Federation(catalog, new HttpClient { Timeout = TimeSpan.FromSeconds(60) }));
        builder.Services.AddHostedService<BackgroundPolls>();
        builder.Services.AddSingleton(sp => new AutopilotService(options, catalog));
        builder.Services.AddSingleton(new AnalysisJobs(catalog));
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<Problems>();
        builder.Services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((doc, _, _) => ApiDocument.Describe(doc));
            o.AddOperationTransformer((operation, context, _) => ApiDocument.Name(operation, context));
        });

        // Load the search and similarity indexes before the first request rather than during it.
        catalog.Index.Refresh();
        catalog.Similarity.Refresh();
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var auth = app.Services.GetRequiredService<Auth>();
        app.Use((ctx, next) => auth.Invoke(ctx, next));

        var web = options.WebRoot ?? Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (Directory.Exists(web))
        {
            var files = new PhysicalFileProvider(web);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        }

        app.MapOpenApi();
        DatasetEndpoints.Map(app);
        ViewerEndpoints.Map(app);
        UploadEndpoints.Map(app, options);
        SharingEndpoints.Map(app);
        UserEndpoints.Map(app);
        AutopilotEndpoints.Map(app);
        AnalysisEndpoints.Map(app);
        app.MapGet("/api/health", () => TypedResults.Ok(new HealthView(
            "ok",
            catalog.DatabaseDescription,
            Math.Round(GC.GetTotalPauseDuration().TotalMilliseconds, 1),
            Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0, 1),
            GC.CollectionCount(2),
            GC.CollectionCount(0)))).WithTags("service").WithSummary("Liveness, the database in use and the collector's pauses so far");
        app.MapFallback("/api/{**rest}", (HttpContext ctx) => Results.Problem(statusCode: 404, title: "NotFound", detail: $"no endpoint {ctx.Request.Method} {ctx.Request.Path}"));
        return app;
    }
}

/// <summary>What <c>GET /api/health</c> answers.</summary>
/// <param name="Status">ok.</param>
/// <param name="Database">The database in use (SQLite file or PostgreSQL host and database).</param>
/// <param name="GcPauseMs">Total pause of the garbage collector since start (ms).</param>
/// <param name="ManagedHeapMb">Managed heap size (MiB).</param>
/// <param name="GcGen2">Full collections since start.</param>
/// <param name="GcGen0">Generation-0 collections since start.</param>
public sealed record HealthView(
    [property: System.Text.Json.Serialization.JsonPropertyName("status")] string Status,
    [property: System.Text.Json.Serialization.JsonPropertyName("database")] string Database,
    [property: System.Text.Json.Serialization.JsonPropertyName("gc_pause_ms")] double GcPauseMs,
    [property: System.Text.Json.Serialization.JsonPropertyName("managed_heap_mb")] double ManagedHeapMb,
    [property: System.Text.Json.Serialization.JsonPropertyName("gc_gen2")] int GcGen2,
    [property: System.Text.Json.Serialization.JsonPropertyName("gc_gen0")] int GcGen0);
