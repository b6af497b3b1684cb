using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Condenser.Server.Hosting;

/// <summary>What the OpenAPI document says of endpoints whose answers are not JSON.</summary>
public static class EndpointMetadata
{
    /// <summary>
    /// The document describes the request body as <typeparamref name="T"/> in <paramref name="contentTypes"/>. Only the
    /// document: the handler reads and checks the body itself, so a request of another type gets its clear 400 instead
    /// of the routing's 415.
    /// </summary>
    public static RouteHandlerBuilder DescribesBody<T>(this RouteHandlerBuilder builder, params string[] contentTypes)
        => builder.AddOpenApiOperationTransformer(async (operation, context, cancel) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancel).ConfigureAwait(false);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = contentTypes.ToDictionary(c => c, _ => new OpenApiMediaType { Schema = schema }),
            };
        });

    /// <summary>The endpoint answers 200 with a file (binary) of <paramref name="contentType"/>.</summary>
    public static RouteHandlerBuilder ProducesFile(this RouteHandlerBuilder builder, string contentType)
        => builder.Produces<Stream>(StatusCodes.Status200OK, contentType);

    /// <summary>
    /// The endpoint answers 200 with float32 little-endian values, their shape and calibration in the headers
    /// <c>X-Shape</c> (rows,cols), <c>X-Scale</c> and <c>X-Offset</c> (of the x axis: columns, or the channels of a spectrum), <c>X-Units</c>, <c>X-Axis-Name</c>, <c>X-Caption</c> (percent-encoded) and <c>X-Binning</c> (b: each value the mean of b × b, for pictures over 16 Mpx).
    /// </summary>
    public static RouteHandlerBuilder ProducesFloat32Values(this RouteHandlerBuilder builder)
        => builder.ProducesFile("application/octet-stream");
}
