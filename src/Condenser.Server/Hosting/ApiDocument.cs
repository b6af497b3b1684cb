using System.Text;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Condenser.Server.Hosting;

/// <summary>
/// What the OpenAPI document says beyond the endpoints: title, the bearer-token scheme (anonymous callers are allowed:
/// they see public records), the tags, server URLs without a trailing slash, and an operation id for every operation.
/// </summary>
internal static class ApiDocument
{
    private static readonly Dictionary<string, string> Tags = new()
    {
        ["datasets"] = "Search, records, previews, similar records, downloads, exports, annotations, analyses, sessions and experiments",
        ["viewer"] = "Calibrated values for the web viewer: images, frames of a 4D-STEM scan, virtual detectors, spectra",
        ["upload"] = "Adding files to the library (contributors and admins)",
        ["sharing"] = "The change feed and federation with other institutions",
        ["users"] = "Users and tokens (admins)",
        ["service"] = "Health of the server",
    };

    public static Task Describe(OpenApiDocument doc)
    {
        doc.Info.Title = "Condenser";
        doc.Info.Description = "The library of experiments: search, records, previews, similarity, viewer data, upload, sharing. Authenticate with 'Authorization: Bearer TOKEN'; anonymous callers see public records only.";
        foreach (var server in doc.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        doc.Components ??= new OpenApiComponents();
        doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        doc.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API token from `condenser users add` or `users token` (stored by the server as its SHA-256 only)",
        };
        doc.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", doc)] = [] }, new OpenApiSecurityRequirement()];
        var used = doc.Tags?.Select(t => t.Name).OfType<string>().ToHashSet() ?? [];
        doc.Tags = new HashSet<OpenApiTag>(used.Select(name => new OpenApiTag { Name = name, Description = Tags.GetValueOrDefault(name, name) }));
        return Task.CompletedTask;
    }

    /// <summary>The operation id: the method and the route in words (GET /api/datasets/{id}/preview.png → getDatasetPreviewPng).</summary>
    public static Task Name(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var d = context.Description;
        var words = (d.RelativePath ?? string.Empty).Split('/', '.', '-', '_').Where(w => w.Length > 0 && w != "api" && !w.StartsWith('{')).ToList();
        var id = new StringBuilder((d.HttpMethod ?? "get").ToLowerInvariant());
        foreach (var w in words)
        {
            id.Append(char.ToUpperInvariant(w[0])).Append(w.AsSpan(1));
        }

        if (d.RelativePath?.Contains('{') == true)
        {
            id.Append("ById");
        }

        operation.OperationId ??= id.ToString();
        return Task.CompletedTask;
    }
}
