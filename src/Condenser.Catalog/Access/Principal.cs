namespace Condenser.Catalog.Access;

/// <summary>The caller of a catalogue operation.</summary>
/// <param name="UserId">The user's id; null for an anonymous caller.</param>
/// <param name="Name">The user's name ("anonymous", or "local" for the owner of the data folder).</param>
/// <param name="Role">The user's role.</param>
/// <param name="Institution">The user's institution.</param>
/// <param name="Projects">Ids of the projects the user belongs to.</param>
public sealed record Principal(string? UserId, string Name, Role Role, string Institution, IReadOnlySet<string> Projects)
{
    /// <summary>A caller without a token: public records only, no writes.</summary>
    public static Principal Anonymous { get; } = new(null, "anonymous", Role.Viewer, string.Empty, new HashSet<string>());

    /// <summary>Whoever runs a command on the data folder itself: they own the files, so they act as an admin.</summary>
    public static Principal Local { get; } = new(null, "local", Role.Admin, string.Empty, new HashSet<string>());

    /// <summary>True when signed in (or local).</summary>
    public bool IsAuthenticated => UserId is not null || ReferenceEquals(this, Local);

    /// <summary>True for admins and the local operator.</summary>
    public bool IsAdmin => Role == Role.Admin;

    /// <summary>True when the caller may write records of <paramref name="projectId"/> (owner checks are the caller's).</summary>
    public bool CanWriteProject(string projectId) => IsAdmin || (Role == Role.Contributor && Projects.Contains(projectId));
}
