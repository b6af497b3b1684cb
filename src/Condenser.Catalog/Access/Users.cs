using System.Security.Cryptography;
using System.Text;
using Condenser.Catalog.Database;

namespace Condenser.Catalog.Access;

/// <summary>A user as listed to admins.</summary>
/// <param name="Id">Stable id.</param>
/// <param name="Name">Unique name.</param>
/// <param name="Role">Role.</param>
/// <param name="Institution">Institution.</param>
/// <param name="Projects">Project names.</param>
public sealed record UserInfo(string Id, string Name, Role Role, string Institution, IReadOnlyList<string> Projects);

/// <summary>Users, projects, memberships and API tokens. Tokens are shown once and stored only as their SHA-256.</summary>
public sealed class Users(CatalogDb db)
{
    /// <summary>Token prefix, so that a leaked token is recognisable.</summary>
    public const string TokenPrefix = "cdn_";

    /// <summary>Adds a user (and the projects named, created when missing); returns the user and a new API token.</summary>
    public (UserInfo User, string Token) Add(string name, Role role, string? institution = null, IReadOnlyList<string>? projects = null)
    {
        name = CheckName(name, "user name");
        var inst = institution?.Trim() ?? string.Empty;
        var token = NewToken();
        string id = "u_" + RandomId();
        db.Write((c, tx) =>
        {
            if (c.Scalar(tx, "SELECT id FROM users WHERE name = @n", ("n", name)) is not null)
            {
                throw new CatalogException(CatalogError.Conflict, $"a user named '{name}' exists already (use `users token {name}` for a new token)");
            }

            c.Execute(tx, "INSERT INTO users (id, name, role, institution, created_ms) VALUES (@id, @n, @r, @i, @t)",
                ("id", id), ("n", name), ("r", role.Name()), ("i", inst), ("t", Clock.NowMs()));
            foreach (var p in projects ?? [])
            {
                var pid = EnsureProject(c, tx, p, inst);
                c.Execute(tx, "INSERT INTO memberships (user_id, project_id) VALUES (@u, @p) ON CONFLICT DO NOTHING", ("u", id), ("p", pid));
            }

            c.Execute(tx, "INSERT INTO tokens (hash, user_id, created_ms) VALUES (@h, @u, @t)", ("h", HashToken(token)), ("u", id), ("t", Clock.NowMs()));
            return 0;
        });
        return (Get(id)!, token);
    }

    /// <summary>Issues another token for an existing user.</summary>
    public string NewTokenFor(string name)
    {
        var token = NewToken();
        db.Write((c, tx) =>
        {
            var id = c.Scalar(tx, "SELECT id FROM users WHERE name = @n", ("n", name)) as string
                ?? throw new CatalogException(CatalogError.NotFound, $"no user named '{name}'");
            c.Execute(tx, "INSERT INTO tokens (hash, user_id, created_ms) VALUES (@h, @u, @t)", ("h", HashToken(token)), ("u", id), ("t", Clock.NowMs()));
            return 0;
        });
        return token;
    }

    /// <summary>Revokes every token of a user.</summary>
    public void RevokeTokens(string name) => db.Write((c, tx) =>
        c.Execute(tx, "UPDATE tokens SET revoked = 1 WHERE user_id = (SELECT id FROM users WHERE name = @n)", ("n", name)));

    /// <summary>Adds a user to a project (created when missing).</summary>
    public void AddToProject(string userName, string project) => db.Write((c, tx) =>
    {
        var id = c.Scalar(tx, "SELECT id FROM users WHERE name = @n", ("n", userName)) as string
            ?? throw new CatalogException(CatalogError.NotFound, $"no user named '{userName}'");
        var inst = c.Scalar(tx, "SELECT institution FROM users WHERE id = @u", ("u", id)) as string ?? string.Empty;
        var pid = EnsureProject(c, tx, project, inst);
        return c.Execute(tx, "INSERT INTO memberships (user_id, project_id) VALUES (@u, @p) ON CONFLICT DO NOTHING", ("u", id), ("p", pid));
    });

    /// <summary>The project id for a name, creating the project when missing (inside a write transaction).</summary>
    public static string EnsureProject(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string name, string institution)
    {
        name = CheckName(name, "project name");
        if (c.Scalar(tx, "SELECT id FROM projects WHERE name = @n", ("n", name)) is string id)
        {
            return id;
        }

        // Two writers may create the same project at once (PostgreSQL runs them concurrently): the second one's insert
        // waits for the first to commit and then does nothing, and both read the one row.
        c.Execute(tx, "INSERT INTO projects (id, name, institution, created_ms) VALUES (@id, @n, @i, @t) ON CONFLICT (name) DO NOTHING",
            ("id", "p_" + RandomId()), ("n", name), ("i", institution), ("t", Clock.NowMs()));
        return (string)c.Scalar(tx, "SELECT id FROM projects WHERE name = @n", ("n", name))!;
    }

    /// <summary>Finds the caller of a bearer token; null when the token is unknown or revoked.</summary>
    public Principal? Authenticate(string token)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return null;
        }

        var id = db.Read(c => c.Scalar(null, "SELECT user_id FROM tokens WHERE hash = @h AND revoked = 0", ("h", HashToken(token))) as string);
        return id is null ? null : PrincipalOf(id);
    }

    /// <summary>The principal of a user id.</summary>
    public Principal? PrincipalOf(string id) => db.Read(c =>
    {
        var u = c.Query(null, "SELECT name, role, institution FROM users WHERE id = @id",
            r => (Name: r.GetString(0), Role: AccessNames.ParseRole(r.GetString(1)), Institution: r.GetString(2)), ("id", id)).FirstOrDefault();
        if (u.Name is null)
        {
            return null;
        }

        var projects = c.Query(null, "SELECT project_id FROM memberships WHERE user_id = @id", r => r.GetString(0), ("id", id)).ToHashSet();
        return new Principal(id, u.Name, u.Role, u.Institution, projects);
    });

    /// <summary>A user by id.</summary>
    public UserInfo? Get(string id) => db.Read(c => c.Query(null,
        "SELECT id, name, role, institution FROM users WHERE id = @id",
        r => new UserInfo(r.GetString(0), r.GetString(1), AccessNames.ParseRole(r.GetString(2)), r.GetString(3), []), ("id", id))
        .Select(u => u with { Projects = c.Query(null, "SELECT p.name FROM memberships m JOIN projects p ON p.id = m.project_id WHERE m.user_id = @id ORDER BY p.name", r => r.GetString(0), ("id", id)) })
        .FirstOrDefault());

    /// <summary>Every user.</summary>
    public IReadOnlyList<UserInfo> List() => db.Read(c => c.Query(null, "SELECT id FROM users ORDER BY name", r => r.GetString(0))).Select(id => Get(id)!).ToList();

    /// <summary>The id of a project by name, or null.</summary>
    public string? ProjectId(string name) => db.Read(c => c.Scalar(null, "SELECT id FROM projects WHERE name = @n", ("n", name)) as string);

    /// <summary>SHA-256 of a token, hex. Tokens carry 256 random bits, so a fast hash is enough.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string NewToken() => TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A random 16-hex-digit id.</summary>
    public static string RandomId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static string CheckName(string name, string what)
    {
        name = name?.Trim() ?? string.Empty;
        if (name.Length is 0 or > 100 || name.Any(char.IsControl))
        {
            throw new CatalogException(CatalogError.Invalid, $"{what} '{name}': 1 to 100 printable characters");
        }

        return name;
    }
}

/// <summary>The catalogue's clock (milliseconds since 1970 UTC).</summary>
public static class Clock
{
    /// <summary>Now, in ms.</summary>
    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
