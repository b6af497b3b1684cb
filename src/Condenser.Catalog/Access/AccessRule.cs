namespace Condenser.Catalog.Access;

/// <summary>How a grant relates the caller to a record.</summary>
public enum AccessRelation
{
    /// <summary>Any caller, signed in or not.</summary>
    Anyone,

    /// <summary>The caller ingested the record.</summary>
    Owner,

    /// <summary>The caller is a member of the record's project.</summary>
    ProjectMember,

    /// <summary>The caller belongs to the record's (non-empty) institution.</summary>
    SameInstitution,
}

/// <summary>One way a caller may read a record: a relation, and conditions on the record's visibility and embargo.</summary>
/// <param name="Relation">Who the caller must be to the record.</param>
/// <param name="VisibilityIs">The record's visibility must be this one (null: any).</param>
/// <param name="VisibilityIsNot">The record's visibility must not be this one (null: no condition).</param>
/// <param name="Released">True when the record's embargo must have passed.</param>
public sealed record AccessGrant(AccessRelation Relation, Visibility? VisibilityIs, Visibility? VisibilityIsNot, bool Released)
{
    /// <summary>True when the grant holds for a record with these facts.</summary>
    public bool Holds(Visibility visibility, bool released, bool owner, bool member, bool sameInstitution)
        => (VisibilityIs is not { } v || visibility == v)
            && (VisibilityIsNot is not { } nv || visibility != nv)
            && (!Released || released)
            && Relation switch
            {
                AccessRelation.Anyone => true,
                AccessRelation.Owner => owner,
                AccessRelation.ProjectMember => member,
                _ => sameInstitution,
            };
}

/// <summary>
/// The read rule, written once as data: admins read everything; anyone else reads a record when one of
/// <see cref="Grants"/> holds. <see cref="Sql"/> renders it as a condition over a <c>datasets</c> alias for the
/// database's searches, counts and listings; <see cref="Allows"/> evaluates it on facts for the in-process
/// <see cref="Search.SearchIndex"/>. The access tests check both against one hand-written matrix.
/// </summary>
public static class AccessRule
{
    /// <summary>The grants, any of which lets a caller read a record.</summary>
    public static IReadOnlyList<AccessGrant> Grants { get; } =
    [
        // Public records, once the embargo has passed, for everyone.
        new(AccessRelation.Anyone, Visibility.Public, null, Released: true),
        // The owner's own records, whatever their visibility.
        new(AccessRelation.Owner, null, null, Released: false),
        // Project members: their projects' records that are not private, embargoed or not.
        new(AccessRelation.ProjectMember, null, Visibility.Private, Released: false),
        // Signed-in users of the record's institution: institution records once the embargo has passed.
        new(AccessRelation.SameInstitution, Visibility.Institution, null, Released: true),
    ];

    /// <summary>True when the caller may read a record with these facts.</summary>
    /// <param name="admin">The caller is an admin.</param>
    /// <param name="visibility">The record's visibility.</param>
    /// <param name="released">The record's embargo has passed.</param>
    /// <param name="owner">The caller (signed in) owns the record.</param>
    /// <param name="member">The caller (signed in) is a member of the record's project.</param>
    /// <param name="sameInstitution">The caller (signed in) belongs to the record's non-empty institution.</param>
    public static bool Allows(bool admin, Visibility visibility, bool released, bool owner, bool member, bool sameInstitution)
        => admin || ((Table >> FactIndex(visibility, released, owner, member, sameInstitution)) & 1) != 0;

    /// <summary>
    /// The grants evaluated once for every combination of facts (4 visibilities × 2⁴ booleans = 64 bits), so that the
    /// search index's scan over every row tests one bit.
    /// </summary>
    private static readonly ulong Table = MakeTable();

    private static int FactIndex(Visibility visibility, bool released, bool owner, bool member, bool sameInstitution)
        => (int)visibility | (released ? 4 : 0) | (owner ? 8 : 0) | (member ? 16 : 0) | (sameInstitution ? 32 : 0);

    private static ulong MakeTable()
    {
        ulong table = 0;
        foreach (var v in Enum.GetValues<Visibility>())
        {
            for (int facts = 0; facts < 16; facts++)
            {
                bool released = (facts & 1) != 0, owner = (facts & 2) != 0, member = (facts & 4) != 0, same = (facts & 8) != 0;
                if (Grants.Any(g => g.Holds(v, released, owner, member, same)))
                {
                    table |= 1UL << FactIndex(v, released, owner, member, same);
                }
            }
        }

        return table;
    }

    /// <summary>The rule as an SQL condition over <paramref name="alias"/> (its parameters added to <paramref name="args"/>).</summary>
    /// <param name="p">The caller.</param>
    /// <param name="args">Parameters of the statement, to which the rule's are added.</param>
    /// <param name="nowMs">The time the embargo is compared with (Unix ms).</param>
    /// <param name="alias">The alias of the <c>datasets</c> table.</param>
    public static string Sql(Principal p, List<(string Name, object? Value)> args, long nowMs, string alias = "d")
    {
        if (p.IsAdmin)
        {
            return "1 = 1";
        }

        bool signedIn = p.UserId is not null;
        args.Add(("acl_now", nowMs));
        if (signedIn)
        {
            args.Add(("acl_uid", p.UserId));
            args.Add(("acl_inst", p.Institution));
        }

        var terms = new List<string>();
        foreach (var g in Grants)
        {
            string? relation = g.Relation switch
            {
                AccessRelation.Anyone => "",
                _ when !signedIn => null,
                AccessRelation.Owner => $"{alias}.owner_id = @acl_uid",
                AccessRelation.ProjectMember => $"{alias}.project_id IN (SELECT project_id FROM memberships WHERE user_id = @acl_uid)",
                _ => $"{alias}.institution = @acl_inst AND @acl_inst <> ''",
            };
            if (relation is null)
            {
                continue;
            }

            var parts = new List<string>();
            if (g.VisibilityIs is { } v)
            {
                parts.Add($"{alias}.visibility = '{v.Name()}'");
            }

            if (g.VisibilityIsNot is { } nv)
            {
                parts.Add($"{alias}.visibility <> '{nv.Name()}'");
            }

            if (g.Released)
            {
                parts.Add($"{alias}.embargo_ms <= @acl_now");
            }

            if (relation.Length > 0)
            {
                parts.Add(relation);
            }

            terms.Add("(" + string.Join(" AND ", parts) + ")");
        }

        return "(" + string.Join(" OR ", terms) + ")";
    }

    /// <summary>True when the record is visible to everyone now (reads of it are not audited, and may be cached).</summary>
    public static bool IsOpen(Visibility v, long embargoMs, long nowMs)
        => Allows(false, v, embargoMs <= nowMs, owner: false, member: false, sameInstitution: false);
}
