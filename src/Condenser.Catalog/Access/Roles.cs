namespace Condenser.Catalog.Access;

/// <summary>What a user may do across the library.</summary>
public enum Role
{
    /// <summary>Reads what their projects, their institution and the public may see.</summary>
    Viewer,

    /// <summary>A viewer who also ingests into their projects, annotates, records analyses and widens visibility of their projects' records.</summary>
    Contributor,

    /// <summary>Everything: every record, users, projects, federation.</summary>
    Admin,
}

/// <summary>Who may see a record.</summary>
public enum Visibility
{
    /// <summary>The user who ingested it (and admins).</summary>
    Private,

    /// <summary>Members of its project. Ingested data starts here.</summary>
    Project,

    /// <summary>Signed-in users of its institution, once any embargo has passed.</summary>
    Institution,

    /// <summary>Everyone, anonymous callers and federated peers included, once any embargo has passed.</summary>
    Public,
}

/// <summary>Parsing and spelling of roles and visibilities (lower case in the API and the database).</summary>
public static class AccessNames
{
    /// <summary>The stored spelling.</summary>
    public static string Name(this Visibility v) => v.ToString().ToLowerInvariant();

    /// <summary>The stored spelling.</summary>
    public static string Name(this Role r) => r.ToString().ToLowerInvariant();

    /// <summary>Parses a visibility; <see cref="CatalogException"/> names the accepted values.</summary>
    public static Visibility ParseVisibility(string s) => Enum.TryParse<Visibility>(s, true, out var v) && !int.TryParse(s, out _)
        ? v : throw new CatalogException(CatalogError.Invalid, $"visibility '{s}': use private, project, institution or public");

    /// <summary>Parses a role; <see cref="CatalogException"/> names the accepted values.</summary>
    public static Role ParseRole(string s) => Enum.TryParse<Role>(s, true, out var r) && !int.TryParse(s, out _)
        ? r : throw new CatalogException(CatalogError.Invalid, $"role '{s}': use viewer, contributor or admin");
}
