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
    {
        if (ctx.Request.ContentLength > MaxBytes)
        {
            throw new CatalogException(CatalogError.TooLarge, "a JSON body may be at most 1 MiB");
        }

        try
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var buffer = new char[MaxBytes + 1];
            int n = await reader.ReadBlockAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
            if (n > MaxBytes)
            {
                throw new CatalogException(CatalogError.TooLarge, "a JSON body may be at most 1 MiB");
            }

            return JsonNode.Parse(new string(buffer, 0, n)) as JsonObject ?? throw new CatalogException(CatalogError.Invalid, "the body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new CatalogException(CatalogError.Invalid, $"the body is not valid JSON: {e.Message}", e);
        }
    }
}
