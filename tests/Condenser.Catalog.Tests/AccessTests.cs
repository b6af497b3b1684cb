using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Search;

namespace Condenser.Catalog.Tests;

public class AccessTests
{
    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void EveryPrincipalSeesExactlyWhatTheRuleAllows(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var (owner, ownerToken) = c.Users.Add("olga", Role.Contributor, "Lab A", ["alpha"]);
        var (member, _) = c.Users.Add("mike", Role.Viewer, "Lab A", ["alpha"]);
        var (colleague, _) = c.Users.Add("carla", Role.Viewer, "Lab A", ["beta"]);
        var (outsider, _) = c.Users.Add("otto", Role.Contributor, "Lab B", ["gamma"]);
        var (admin, _) = c.Users.Add("ada", Role.Admin, "Lab B");
        Assert.Equal(owner.Id, c.Users.Authenticate(ownerToken)!.UserId);
        Assert.Null(c.Users.Authenticate(ownerToken + "x"));
        Assert.Null(c.Users.Authenticate("not-a-token"));

        var olga = c.Users.PrincipalOf(owner.Id)!;
        var dir = Path.Combine(lib.Folder, "files");
        Directory.CreateDirectory(dir);
        var ids = new Dictionary<string, string>();
        long future = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeMilliseconds();
        long past = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds();
        var cases = new (string Name, Visibility V, long Embargo)[]
        {
            ("private", Visibility.Private, 0), ("project", Visibility.Project, 0), ("institution", Visibility.Institution, 0),
            ("public", Visibility.Public, 0), ("embargoed", Visibility.Public, future), ("embargo_over", Visibility.Public, past),
            ("inst_embargoed", Visibility.Institution, future),
        };
        int seed = 0;
        foreach (var (name, v, embargo) in cases)
        {
            var f = Synthetic.WriteTiff(dir, name, Synthetic.Noise(16, seed++));
            var o = c.Ingestor.IngestFile(f, olga, new IngestOptions { Project = "alpha", Visibility = v, EmbargoMs = embargo });
            Assert.Equal(IngestStatus.Ingested, o.Status);
            ids[name] = o.Ids.Single();
        }

        // The expected matrix, written out by hand from the rule.
        var expected = new Dictionary<string, string[]>
        {
            ["olga"] = ["private", "project", "institution", "public", "embargoed", "embargo_over", "inst_embargoed"],
            ["mike"] = ["project", "institution", "public", "embargoed", "embargo_over", "inst_embargoed"],
            ["carla"] = ["institution", "public", "embargo_over"],
            ["otto"] = ["public", "embargo_over"],
            ["ada"] = ["private", "project", "institution", "public", "embargoed", "embargo_over", "inst_embargoed"],
            ["anonymous"] = ["public", "embargo_over"],
        };
        var principals = new Dictionary<string, Principal>
        {
            ["olga"] = olga, ["mike"] = c.Users.PrincipalOf(member.Id)!, ["carla"] = c.Users.PrincipalOf(colleague.Id)!,
            ["otto"] = c.Users.PrincipalOf(outsider.Id)!, ["ada"] = c.Users.PrincipalOf(admin.Id)!, ["anonymous"] = Principal.Anonymous,
        };
        foreach (var (who, p) in principals)
        {
            var found = c.Search(new SearchQuery { PageSize = 100 }, p).Items.Select(r => ids.Single(kv => kv.Value == r.Id).Key).Order().ToArray();
            Assert.Equal(expected[who].Order().ToArray(), found);
            foreach (var (name, id) in ids)
            {
                bool may = expected[who].Contains(name);
                if (may)
                {
                    Assert.Equal(id, c.Get(id, p).Id);
                }
                else
                {
                    Assert.Equal(CatalogError.NotFound, Assert.Throws<CatalogException>(() => c.Get(id, p)).Error);
                    Assert.Equal(CatalogError.NotFound, Assert.Throws<CatalogException>(() => c.Similar(id, p)).Error);
                }

                // Similar never lists what the caller may not see.
                if (may)
                {
                    Assert.All(c.Similar(id, p, 20), s => Assert.Contains(ids.Single(kv => kv.Value == s.Record.Id).Key, expected[who]));
                }
            }
        }

        // Writes: the owner widens, a project viewer may not, an outsider cannot even see it.
        Assert.Equal(CatalogError.Forbidden, Assert.Throws<CatalogException>(() => c.Update(ids["project"], principals["mike"], new RecordPatch { Visibility = Visibility.Public })).Error);
        Assert.Equal(CatalogError.NotFound, Assert.Throws<CatalogException>(() => c.Update(ids["project"], principals["otto"], new RecordPatch { Visibility = Visibility.Public })).Error);
        Assert.Equal(CatalogError.Forbidden, Assert.Throws<CatalogException>(() => c.Annotate(ids["public"], principals["carla"], "label", "x", null)).Error);
        c.Update(ids["project"], olga, new RecordPatch { Visibility = Visibility.Public, Title = "now public" });
        Assert.Equal("now public", c.Get(ids["project"], Principal.Anonymous).Title);
        Assert.Equal(CatalogError.Forbidden, Assert.Throws<CatalogException>(() => c.Ingestor.IngestFile(Path.Combine(dir, "public.tif"), principals["otto"], new IngestOptions { Project = "alpha" })).Error);
        Assert.Equal(CatalogError.Unauthenticated, Assert.Throws<CatalogException>(() => c.Ingestor.IngestFile(Path.Combine(dir, "public.tif"), Principal.Anonymous, new IngestOptions { Project = "alpha" })).Error);

        // Reads of non-public records are audited; reads of public ones are not.
        c.Get(ids["private"], olga);
        c.Get(ids["public"], olga);
        var audit = c.Audit.Latest(1000);
        Assert.Contains(audit, e => e.Action == "read" && e.DatasetId == ids["private"] && e.UserId == owner.Id);
        Assert.DoesNotContain(audit, e => e.Action == "read" && e.DatasetId == ids["public"]);
        Assert.Contains(audit, e => e.Action == "update" && e.DatasetId == ids["project"]);
        Assert.Contains(audit, e => e.Action == "ingest" && e.DatasetId == ids["private"]);

        // A revoked token stops working.
        c.Users.RevokeTokens("olga");
        Assert.Null(c.Users.Authenticate(ownerToken));
    }

    [Fact]
    public void TheRuleOnFactsMatchesTheHandWrittenTable()
    {
        // (visibility, released, owner, member, same institution) → may read, written out by hand from the rule.
        var table = new (Visibility V, bool Released, bool Owner, bool Member, bool SameInstitution, bool May)[]
        {
            (Visibility.Public, true, false, false, false, true),
            (Visibility.Public, false, false, false, false, false),
            (Visibility.Public, false, false, true, false, true),
            (Visibility.Public, false, false, false, true, false),
            (Visibility.Institution, true, false, false, true, true),
            (Visibility.Institution, false, false, false, true, false),
            (Visibility.Institution, true, false, false, false, false),
            (Visibility.Institution, false, false, true, false, true),
            (Visibility.Project, true, false, false, true, false),
            (Visibility.Project, false, false, true, false, true),
            (Visibility.Project, true, false, false, false, false),
            (Visibility.Private, true, false, true, true, false),
            (Visibility.Private, false, true, false, false, true),
        };
        foreach (var (v, released, owner, member, same, may) in table)
        {
            Assert.True(may == AccessRule.Allows(false, v, released, owner, member, same), $"{v} released={released} owner={owner} member={member} institution={same}");
            Assert.True(AccessRule.Allows(true, v, released, owner, member, same));
        }

        Assert.True(AccessRule.IsOpen(Visibility.Public, 0, 1));
        Assert.False(AccessRule.IsOpen(Visibility.Public, 2, 1));
        Assert.False(AccessRule.IsOpen(Visibility.Institution, 0, 1));

        // The SQL of an anonymous caller holds only the public grant; a signed-in caller's holds all four.
        var args = new List<(string Name, object? Value)>();
        Assert.DoesNotContain("owner_id", AccessRule.Sql(Principal.Anonymous, args, 0));
        var someone = new Principal("u1", "u", Role.Viewer, "Lab", new HashSet<string>());
        Assert.Equal(AccessRule.Grants.Count, AccessRule.Sql(someone, args, 0).Split(" OR ").Length);
    }

    [Fact]
    public void NamesOfRolesAndVisibilitiesAreChecked()
    {
        Assert.Equal(Visibility.Institution, AccessNames.ParseVisibility("Institution"));
        Assert.Equal(CatalogError.Invalid, Assert.Throws<CatalogException>(() => AccessNames.ParseVisibility("3")).Error);
        Assert.Equal(CatalogError.Invalid, Assert.Throws<CatalogException>(() => AccessNames.ParseRole("root")).Error);
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public void ADuplicateTheUploaderMayNotSeeIsANewRecordOfTheirOwn(string backend)
    {
        // Otto uploads bytes identical to Olga's private record: before, he was told "duplicate" with her record's id
        // (which said that it exists) and his project got nothing.
        using var lib = TestLibrary.Create(backend);
        using var c = lib.Open();
        var (owner, _) = c.Users.Add("olga", Role.Contributor, "Lab A", ["alpha"]);
        var (outsider, _) = c.Users.Add("otto", Role.Contributor, "Lab B", ["gamma"]);
        var (colleague, _) = c.Users.Add("gus", Role.Contributor, "Lab B", ["gamma"]);
        var olga = c.Users.PrincipalOf(owner.Id)!;
        var otto = c.Users.PrincipalOf(outsider.Id)!;
        var gus = c.Users.PrincipalOf(colleague.Id)!;
        var dir = Path.Combine(lib.Folder, "files");
        Directory.CreateDirectory(dir);
        var file = Synthetic.WriteTiff(dir, "secret", Synthetic.Noise(16, 3));
        var hers = c.Ingestor.IngestFile(file, olga, new IngestOptions { Project = "alpha", Visibility = Visibility.Private, Sample = "hers" });
        Assert.Equal(IngestStatus.Ingested, hers.Status);
        int objects = Directory.EnumerateFiles(Path.Combine(c.Store.Root, "objects"), "*", SearchOption.AllDirectories).Count();

        var copy = Path.Combine(lib.Folder, "mine.tif");
        File.Copy(file, copy);
        var his = c.Ingestor.IngestFile(copy, otto, new IngestOptions { Project = "gamma", Visibility = Visibility.Project });
        Assert.True(his.Status == IngestStatus.Ingested, his.Error);
        Assert.Empty(his.Ids.Intersect(hers.Ids));
        var record = c.Get(his.Ids.Single(), otto);
        Assert.Equal("gamma", record.ProjectName);
        Assert.Equal("mine.tif", record.FileName);
        Assert.Equal(CatalogError.NotFound, Assert.Throws<CatalogException>(() => c.Get(hers.Ids.Single(), otto)).Error);

        // One stored object serves both; hers is untouched and still hidden from him.
        Assert.Equal(objects, Directory.EnumerateFiles(Path.Combine(c.Store.Root, "objects"), "*", SearchOption.AllDirectories).Count());
        Assert.Equal(record.FileSha256, c.Get(hers.Ids.Single(), olga).FileSha256);
        Assert.Equal("hers", c.Get(hers.Ids.Single(), olga).Sample);
        Assert.Equal(CatalogError.NotFound, Assert.Throws<CatalogException>(() => c.Get(his.Ids.Single(), olga)).Error);
        using (var opened = c.OpenFile(record))
        {
            Assert.NotEmpty(opened.Datasets);
        }

        // Now there is a record he may see: a colleague in his project (and he again) get it as the duplicate.
        Assert.Equal(his.Ids, c.Ingestor.IngestFile(copy, gus, new IngestOptions { Project = "gamma" }) is { Status: IngestStatus.Duplicate } d ? d.Ids : []);
        Assert.Equal(his.Ids, c.Ingestor.IngestFile(file, otto, new IngestOptions { Project = "gamma" }).Ids);
        Assert.Equal(hers.Ids, c.Ingestor.IngestFile(file, olga, new IngestOptions { Project = "alpha" }).Ids);
    }
}
