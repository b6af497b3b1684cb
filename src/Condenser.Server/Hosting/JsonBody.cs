using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Catalog;

namespace Condenser.Server.Hosting;

/// <summary>JSON request bodies: at most 1 MiB, a JSON object, read into a typed request record; a 400 names what was wrong.</summary>
public static class JsonBody
{
    /// <summary>The largest body accepted (bytes).</summary>
    public const int MaxBytes = 1 << 20;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads the body as <typeparamref name="T"/> (its properties named as in JSON); unknown fields are refused.</summary>
    public static async Task<T> Read<T>(HttpContext ctx)
        where T : class
        => Bind<T>(await ReadObject(ctx).ConfigureAwait(false));

    /// <summary>Binds an object already read to <typeparamref name="T"/>.</summary>
    public static T Bind<T>(JsonObject body)
        where T : class
    {
        try
        {
            return body.Deserialize<T>(Options) ?? throw new CatalogException(CatalogError.Invalid, "the body must be a JSON object");
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 1 } path ? $" at {path}" : string.Empty;
            throw new CatalogException(CatalogError.Invalid, $"the body does not fit{where}: {e.Message.Split(" Path:")[0]}", e);
        }
    }

    /// <summary>Reads a JSON object body of at most <see cref="MaxBytes"/>.</summary>
    public static async Task<JsonObject> ReadObject(HttpContext ctx)
        => await ReadNode(ctx, MaxBytes).ConfigureAwait(false) as JsonObject ?? throw new CatalogException(CatalogError.Invalid, "the body must be a JSON object");

    /// <summary>
    /// Reads a JSON body of at most <paramref name="maxBytes"/>; a key given twice in one object is refused (which of
    /// the two values was meant cannot be told).
    /// </summary>
    public static async Task<JsonNode?> ReadNode(HttpContext ctx, int maxBytes)
    {
        string limit = maxBytes >= 1 << 20 ? $"{maxBytes >> 20} MiB" : $"{maxBytes >> 10} KiB";
        if (ctx.Request.ContentLength > maxBytes)
        {
            throw new CatalogException(CatalogError.TooLarge, $"a JSON body may be at most {limit}");
        }

        try
        {
            // Read as it comes (memory grows with what is sent, not with the limit), at most one byte past the limit.
            using var body = new MemoryStream();
            var chunk = new byte[64 << 10];
            int n;
            while ((n = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (body.Length + n > maxBytes)
                {
                    throw new CatalogException(CatalogError.TooLarge, $"a JSON body may be at most {limit}");
                }

                body.Write(chunk, 0, n);
            }

            return JsonNode.Parse(body.GetBuffer().AsSpan(0, (int)body.Length), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new CatalogException(CatalogError.Invalid, $"the body is not valid JSON: {e.Message}", e);
        }
    }
}
