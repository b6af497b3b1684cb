namespace Condenser.Catalog.Access;

/// <summary>
/// The read rule as SQL over a <c>datasets</c> alias, so that searches, counts and facets never see a record the caller
/// may not: admins see everything; the owner sees their records; project members see their projects' records that
/// are not private; signed-in users of the record's institution see institution records once the embargo has passed;
/// everyone sees public records once the embargo has passed. <see cref="Search.SearchIndex"/> applies the same rule on
/// interned codes; the access tests check both against one hand-written matrix.
/// </summary>
public static class AccessFilter
{
    /// <summary>The condition (with its parameters added to <paramref name="args"/>).</summary>
    public static string Sql(Principal p, List<(string Name, object? Value)> args, long nowMs, string alias = "d")
    {
        if (p.IsAdmin)
        {
            return "1 = 1";
        }

        args.Add(("acl_now", nowMs));
        string open = $"({alias}.visibility = 'public' AND {alias}.embargo_ms <= @acl_now)";
        if (p.UserId is null)
        {
            return open;
        }

        args.Add(("acl_uid", p.UserId));
        args.Add(("acl_inst", p.Institution));
        return $"({open} OR {alias}.owner_id = @acl_uid"
            + $" OR ({alias}.visibility <> 'private' AND {alias}.project_id IN (SELECT project_id FROM memberships WHERE user_id = @acl_uid))"
            + $" OR ({alias}.visibility = 'institution' AND {alias}.embargo_ms <= @acl_now AND {alias}.institution = @acl_inst AND @acl_inst <> ''))";
    }

    /// <summary>True when the record is visible to everyone now (reads of it are not audited).</summary>
    public static bool IsOpen(Visibility v, long embargoMs, long nowMs) => v == Visibility.Public && embargoMs <= nowMs;
}
