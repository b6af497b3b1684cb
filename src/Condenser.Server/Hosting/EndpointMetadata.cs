namespace Condenser.Server.Hosting;

/// <summary>What the OpenAPI document says of endpoints whose answers are not JSON.</summary>
public static class EndpointMetadata
{
    /// <summary>The endpoint answers 200 with a file (binary) of <paramref name="contentType"/>.</summary>
    public static RouteHandlerBuilder ProducesFile(this RouteHandlerBuilder builder, string contentType)
        => builder.Produces<Stream>(StatusCodes.Status200OK, contentType);

    /// <summary>
    /// The endpoint answers 200 with float32 little-endian values, their shape and calibration in the headers
    /// <c>X-Shape</c> (rows,cols), <c>X-Scale</c>, <c>X-Units</c> and <c>X-Caption</c> (percent-encoded).
    /// </summary>
    public static RouteHandlerBuilder ProducesFloat32Values(this RouteHandlerBuilder builder)
        => builder.ProducesFile("application/octet-stream");
}
