using Condenser.Acquisition.Instrument;
using Condenser.Acquisition.Remote;

namespace Condenser.Server.Features.Instrument;

/// <summary>A microscope served on its own (<c>condenser twin serve</c>): the instrument API and its OpenAPI document at <c>/openapi/v1.json</c>.</summary>
public static class InstrumentServer
{
    /// <summary>Builds the service for <paramref name="microscope"/> listening on <paramref name="urls"/> (semicolon-separated).</summary>
    public static WebApplication Build(IMicroscope microscope, string urls, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64 << 20;
        });
        builder.Logging.ClearProviders();
        if (logging is null)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        }
        else
        {
            logging(builder.Logging);
        }

        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = Wire.Json.PropertyNamingPolicy;
            o.SerializerOptions.NumberHandling = Wire.Json.NumberHandling;
            foreach (var c in Wire.Json.Converters)
            {
                o.SerializerOptions.Converters.Add(c);
            }
        });
        builder.Services.AddOpenApi(o => o.AddOperationTransformer((operation, context, _) => Hosting.ApiDocument.Name(operation, context)).AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Condenser instrument";
            doc.Info.Description = "A scanning transmission electron microscope served over HTTP: state and commands as JSON, acquisitions as a binary stream (see Condenser.Acquisition.Remote.Wire). Commands outside the limits or budgets are refused with 422, naming the limit.";
            foreach (var server in doc.Servers ?? [])
            {
                server.Url = server.Url?.TrimEnd('/');
            }

            // An instrument on the lab's network: no authentication (the service listens on loopback unless told otherwise).
            doc.Security = [new Microsoft.OpenApi.OpenApiSecurityRequirement()];
            doc.Tags = new HashSet<Microsoft.OpenApi.OpenApiTag> { new() { Name = "instrument", Description = "State, optics, stage, budgets and acquisitions of the microscope" } };
            return Task.CompletedTask;
        }));
        var app = builder.Build();
        app.MapOpenApi();
        InstrumentEndpoints.Map(app, microscope);
        app.MapFallback("/api/{**rest}", (HttpContext ctx) => Results.Json(new { title = "NotFound", status = 404, detail = $"no endpoint {ctx.Request.Method} {ctx.Request.Path}" }, statusCode: 404));
        return app;
    }
}
