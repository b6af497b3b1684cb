using System.Collections.Concurrent;
using Condenser.Catalog;
using Condenser.Catalog.Access;

namespace Condenser.Server.Hosting;

/// <summary>
/// Bearer-token authentication: every request gets a <see cref="Principal"/> (anonymous without a token); an unknown or
/// revoked token is refused with 401 rather than treated as anonymous. Lookups are cached for two seconds.
/// </summary>
public sealed class Auth(Catalog.Library catalog)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<string, (Principal? Who, DateTime At)> _cache = new(StringComparer.Ordinal);

    /// <summary>The middleware.</summary>
    public async Task Invoke(HttpContext ctx, RequestDelegate next)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        var who = Principal.Anonymous;
        if (header.Length > 0)
        {
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                throw new CatalogException(CatalogError.Unauthenticated, "the Authorization header must be 'Bearer TOKEN'");
            }

            var token = header[7..].Trim();
            var key = Users.HashToken(token);
            if (!_cache.TryGetValue(key, out var hit) || DateTime.UtcNow - hit.At > CacheFor)
            {
                hit = (catalog.Users.Authenticate(token), DateTime.UtcNow);
                if (_cache.Count > 10_000)
                {
                    _cache.Clear();
                }

                _cache[key] = hit;
            }

            who = hit.Who ?? throw new CatalogException(CatalogError.Unauthenticated, "the token is not valid (unknown or revoked)");
        }

        ctx.Items[typeof(Principal)] = who;
        await next(ctx).ConfigureAwait(false);
    }
}

/// <summary>The caller of a request.</summary>
public static class PrincipalExtensions
{
    /// <summary>Who is asking.</summary>
    public static Principal Caller(this HttpContext ctx) => ctx.Items[typeof(Principal)] as Principal ?? Principal.Anonymous;

    /// <summary>The caller, who must be an admin: 401 for an anonymous caller, 403 for anyone else.</summary>
    /// <param name="ctx">The request.</param>
    /// <param name="what">What only admins do, for the refusal ("import records").</param>
    public static Principal RequireAdmin(this HttpContext ctx, string what)
    {
        var who = ctx.Caller();
        return who.IsAdmin
            ? who
            : throw new CatalogException(who.IsAuthenticated ? CatalogError.Forbidden : CatalogError.Unauthenticated, $"only admins {what}");
    }
}
