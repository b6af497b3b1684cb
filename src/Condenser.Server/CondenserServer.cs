using Condenser.Catalog.Sharing;
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
    public static WebApplication Build(ServerOptions options, Catalog.Catalog catalog, Action<ILoggingBuilder>? logging = null)
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
        app.MapGet("/api/health", () => Results.Json(new
        {
            status = "ok",
            database = catalog.Db.Describe,
            gc_pause_ms = Math.Round(GC.GetTotalPauseDuration().TotalMilliseconds, 1),
            managed_heap_mb = Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0, 1),
            gc_gen2 = GC.CollectionCount(2),
            gc_gen0 = GC.CollectionCount(0),
        })).WithTags("service").WithSummary("Liveness, the database in use and the collector's pauses so far");
        app.MapFallback("/api/{**rest}", (HttpContext ctx) => Results.Problem(statusCode: 404, title: "NotFound", detail: $"no endpoint {ctx.Request.Method} {ctx.Request.Path}"));
        return app;
    }
}
