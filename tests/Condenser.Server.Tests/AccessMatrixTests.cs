using System.Net;
using System.Text;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;

namespace Condenser.Server.Tests;

/// <summary>Every read endpoint × every kind of caller × every visibility: a caller gets a record exactly when the rule allows, and otherwise a 404 that does not reveal it.</summary>
public class AccessMatrixTests
{
    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public async Task EndpointsRolesVisibilities(string backend)
    {
        await using var host = await ServerHost.Start(backend);
        var c = host.Catalog;
        var tokens = new Dictionary<string, string?> { ["anonymous"] = null };
        var (owner, t1) = c.Users.Add("owner", Role.Contributor, "Lab A", ["alpha"]);
        tokens["owner"] = t1;
        tokens["member"] = c.Users.Add("member", Role.Viewer, "Lab A", ["alpha"]).Token;
        tokens["colleague"] = c.Users.Add("colleague", Role.Contributor, "Lab A", ["beta"]).Token;
        tokens["outsider"] = c.Users.Add("outsider", Role.Contributor, "Lab B", ["gamma"]).Token;
        tokens["admin"] = c.Users.Add("admin", Role.Admin, "Lab B").Token;

        var dir = Path.Combine(host.Library.Folder, "m");
        Directory.CreateDirectory(dir);
        long future = DateTimeOffset.UtcNow.AddDays(10).ToUnixTimeMilliseconds();
        var ids = new Dictionary<string, string>();
        int seed = 0;
        foreach (var (name, v, embargo) in new (string, Visibility, long)[]
        {
            ("private", Visibility.Private, 0), ("project", Visibility.Project, 0), ("institution", Visibility.Institution, 0),
            ("public", Visibility.Public, 0), ("embargoed", Visibility.Public, future),
        })
        {
            var f = Synthetic.WriteTiff(dir, name, Synthetic.Blob(32, seed++));
            ids[name] = c.Ingestor.IngestFile(f, c.Users.PrincipalOf(owner.Id)!, new IngestOptions { Project = "alpha", Visibility = v, EmbargoMs = embargo }).Ids.Single();
        }

        var allowed = new Dictionary<string, string[]>
        {
            ["anonymous"] = ["public"],
            ["owner"] = ["private", "project", "institution", "public", "embargoed"],
            ["member"] = ["project", "institution", "public", "embargoed"],
            ["colleague"] = ["institution", "public"],
            ["outsider"] = ["public"],
            ["admin"] = ["private", "project", "institution", "public", "embargoed"],
        };
        string[] endpoints = ["", "/preview.png", "/preview.png?kind=thumb", "/similar", "/file", "/jsonld", "/view/image", "/annotations", "/analyses", "/lineage"];
        var failures = new StringBuilder();
        foreach (var (who, token) in tokens)
        {
            using var http = host.Client(token);
            var listed = (await http.GetStringAsync("/api/datasets?page_size=100"));
            var feed = await http.GetStringAsync("/api/feed?since=0");
            foreach (var (name, id) in ids)
            {
                bool may = allowed[who].Contains(name);
                if (listed.Contains(id, StringComparison.Ordinal) != may)
                {
                    failures.AppendLine($"{who} search {name}: listed={!may}");
                }

                if (feed.Contains(id, StringComparison.Ordinal) != (name == "public"))
                {
                    failures.AppendLine($"{who} feed {name}");
                }

                foreach (var e in endpoints)
                {
                    var r = await http.GetAsync($"/api/datasets/{id}{e}");
                    var expected = may ? HttpStatusCode.OK : HttpStatusCode.NotFound;
                    if (r.StatusCode != expected)
                    {
                        failures.AppendLine($"{who} GET {name}{e}: {(int)r.StatusCode}, expected {(int)expected}");
                    }

                    if (!may && (await r.Content.ReadAsStringAsync()).Contains(name + ".tif", StringComparison.Ordinal))
                    {
                        failures.AppendLine($"{who} GET {name}{e}: the refusal names the file");
                    }
                }

                // Writes: owner and admin may; a project viewer is forbidden; whoever cannot see the record gets 404.
                var patch = await http.PatchAsync($"/api/datasets/{id}", new StringContent("""{"description":"checked"}""", Encoding.UTF8, "application/json"));
                var expectedPatch = who is "owner" or "admin" ? HttpStatusCode.OK : !may ? HttpStatusCode.NotFound : who == "anonymous" ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
                if (patch.StatusCode != expectedPatch)
                {
                    failures.AppendLine($"{who} PATCH {name}: {(int)patch.StatusCode}, expected {(int)expectedPatch}");
                }

                // Annotations and analyses: the record's owner, contributors of its project and admins; contributors
                // of other projects (colleague, outsider) who can see a record read it only.
                var label = await http.PostAsync($"/api/datasets/{id}/annotations", new StringContent("""{"kind":"label","text":"grain boundary"}""", Encoding.UTF8, "application/json"));
                var expectedLabel = !may ? HttpStatusCode.NotFound : who is "owner" or "admin" ? HttpStatusCode.Created : who == "anonymous" ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
                if (label.StatusCode != expectedLabel)
                {
                    failures.AppendLine($"{who} annotate {name}: {(int)label.StatusCode}, expected {(int)expectedLabel}");
                }

                var analysis = await http.PostAsync($"/api/datasets/{id}/analyses", new StringContent("""{"analysis":"count","parameters":{},"outputs":{"n":1}}""", Encoding.UTF8, "application/json"));
                if (analysis.StatusCode != expectedLabel)
                {
                    failures.AppendLine($"{who} record an analysis on {name}: {(int)analysis.StatusCode}, expected {(int)expectedLabel}");
                }
            }
        }

        // The labelled set for training lists annotations only on records the caller may see.
        foreach (var (who, token) in tokens)
        {
            using var http = host.Client(token);
            var labels = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/api/annotations?kind=label"))!["items"]!.AsArray();
            var seen = labels.Select(l => ids.Single(kv => kv.Value == l!["dataset"]!.GetValue<string>()).Key).Distinct().Order().ToArray();
            if (!seen.SequenceEqual(allowed[who].Order()))
            {
                failures.AppendLine($"{who} labels on {string.Join(",", seen)}");
            }
        }

        Assert.True(failures.Length == 0, failures.ToString());

        // Only admins list users and read the audit log, which records the non-public reads just made.
        using var adminHttp = host.Client(tokens["admin"]);
        using var ownerHttp = host.Client(tokens["owner"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await ownerHttp.GetAsync("/api/users")).StatusCode);
        var audit = await adminHttp.GetStringAsync($"/api/audit?limit=10000&dataset={ids["private"]}");
        Assert.Contains("\"action\":\"read\"", audit);
        Assert.Contains("\"action\":\"download\"", audit);
        Assert.Contains("\"action\":\"update\"", audit);
        Assert.DoesNotContain("\"action\":\"read\"", await adminHttp.GetStringAsync($"/api/audit?limit=10000&dataset={ids["public"]}"));
    }
}
