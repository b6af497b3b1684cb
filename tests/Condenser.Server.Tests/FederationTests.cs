using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;

namespace Condenser.Server.Tests;

public class FederationTests
{
    [Fact]
    public async Task AnInstancePullsThePublicRecordsOfAnother()
    {
        await using var origin = await ServerHost.Start("sqlite");
        await using var mirror = await ServerHost.Start(TestLibrary.PostgresServer is null ? "sqlite" : "postgres");
        var dir = origin.Library.CopyFixtures("digitalmicrograph/2D/test_STEM_image.dm3", "digitalmicrograph/3D/EELS_SI.dm4", "emd/fei_example_tem_stack.emd");
        var outcomes = origin.Catalog.Ingestor.IngestPaths([dir], Principal.Local, new IngestOptions { Project = "shared", Visibility = Visibility.Public, Sample = "SrTiO3", Elements = ["Sr", "Ti", "O"] });
        var secret = origin.Catalog.Ingestor.IngestFile(Path.Combine(origin.Library.CopyFixtures("digitalmicrograph/2D/test-1.dm3"), "test-1.dm3"), Principal.Local, new IngestOptions { Project = "secret" });
        var publicIds = outcomes.SelectMany(o => o.Ids).ToHashSet();

        var adminToken = mirror.Catalog.Users.Add("root", Role.Admin).Token;
        using var admin = mirror.Client(adminToken);
        var pulled = await admin.PostAsync("/api/federation/pull", new StringContent($$"""{"url":"{{origin.Url}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, pulled.StatusCode);
        Assert.Equal(publicIds.Count, JsonNode.Parse(await pulled.Content.ReadAsStringAsync())!["records"]!.GetValue<int>());

        // Anonymous callers of the mirror find the public records, with origin, hashes, previews and similarity; not the private one.
        using var anon = mirror.Client();
        var list = JsonNode.Parse(await anon.GetStringAsync("/api/datasets?page_size=50"))!;
        var items = list["items"]!.AsArray();
        Assert.Equal(publicIds.Order(), items.Select(i => i!["id"]!.GetValue<string>()).Order());
        Assert.DoesNotContain(secret.Ids.Single(), await anon.GetStringAsync("/api/datasets?page_size=50"));
        foreach (var i in items)
        {
            Assert.Equal(origin.Url.TrimEnd('/'), i!["origin"]!.GetValue<string>());
            var local = origin.Catalog.Get(i["id"]!.GetValue<string>(), Principal.Local);
            Assert.Equal(local.FileSha256, i["sha256"]!.GetValue<string>());
            Assert.Equal(["O", "Sr", "Ti"], i["elements"]!.AsArray().Select(e => e!.GetValue<string>()));
            Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync($"/api/datasets/{i["id"]}/preview.png?kind=thumb")).StatusCode);
        }

        Assert.Equal(1, JsonNode.Parse(await anon.GetStringAsync("/api/datasets?q=stem"))!["total"]!.GetValue<int>());
        var first = items[0]!["id"]!.GetValue<string>();
        Assert.NotEqual(first, items[1]!["id"]!.GetValue<string>());
        Assert.Equal(publicIds.Count - 1, JsonNode.Parse(await anon.GetStringAsync($"/api/datasets/{first}/similar"))!["items"]!.AsArray().Count);

        // A record widened later arrives with the next pull; pulling again adds nothing twice.
        origin.Catalog.Update(secret.Ids.Single(), Principal.Local, new Catalog.RecordPatch { Visibility = Visibility.Public });
        var again = await admin.PostAsync("/api/federation/pull", new StringContent($$"""{"url":"{{origin.Url}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(1, JsonNode.Parse(await again.Content.ReadAsStringAsync())!["records"]!.GetValue<int>());
        Assert.Equal(publicIds.Count + 1, JsonNode.Parse(await anon.GetStringAsync("/api/datasets"))!["total"]!.GetValue<int>());

        // A record its origin makes private again is retracted here; one whose embargo ends arrives with the next pull.
        var retracted = items[1]!["id"]!.GetValue<string>();
        origin.Catalog.Update(retracted, Principal.Local, new Catalog.RecordPatch { Visibility = Visibility.Project });
        var embargoed = origin.Catalog.Ingestor.IngestFile(Path.Combine(origin.Library.CopyFixtures("digitalmicrograph/2D/test-3.dm4"), "test-3.dm4"), Principal.Local,
            new IngestOptions { Project = "shared", Visibility = Visibility.Public, EmbargoMs = DateTimeOffset.UtcNow.AddSeconds(2).ToUnixTimeMilliseconds() }).Ids.Single();
        await admin.PostAsync("/api/federation/pull", new StringContent($$"""{"url":"{{origin.Url}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, (await anon.GetAsync($"/api/datasets/{retracted}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anon.GetAsync($"/api/datasets/{embargoed}")).StatusCode);
        Assert.Equal(publicIds.Count, JsonNode.Parse(await anon.GetStringAsync("/api/datasets"))!["total"]!.GetValue<int>());
        await Task.Delay(2500);
        await admin.PostAsync("/api/federation/pull", new StringContent($$"""{"url":"{{origin.Url}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAsync($"/api/datasets/{embargoed}")).StatusCode);

        // Federated copies are read-only here, and only admins federate.
        var patch = await admin.PatchAsync($"/api/datasets/{first}", new StringContent("""{"title":"x"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, patch.StatusCode);
        var viewerToken = mirror.Catalog.Users.Add("v", Role.Contributor, null, ["x"]).Token;
        using var viewer = mirror.Client(viewerToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/federation/pull", new StringContent($$"""{"url":"{{origin.Url}}"}""", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/api/federation/pull", new StringContent("""{"url":"file:///etc"}""", Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task OnlyRecordsThatWerePubliclyVisibleAreRetracted()
    {
        await using var host = await ServerHost.Start("sqlite");
        var dir = Path.Combine(host.Library.Folder, "r");
        Directory.CreateDirectory(dir);
        long soon = DateTimeOffset.UtcNow.AddSeconds(2).ToUnixTimeMilliseconds();
        var shown = host.Catalog.Ingestor.IngestFile(Synthetic.WriteTiff(dir, "shown", Synthetic.Noise(16, 1)), Principal.Local, new IngestOptions { Visibility = Visibility.Public }).Ids.Single();
        var embargoed = host.Catalog.Ingestor.IngestFile(Synthetic.WriteTiff(dir, "embargoed", Synthetic.Noise(16, 2)), Principal.Local, new IngestOptions { Visibility = Visibility.Public, EmbargoMs = soon }).Ids.Single();

        // Both made private: the first had been visible to everyone, the second only ever under embargo.
        host.Catalog.Update(shown, Principal.Local, new Catalog.RecordPatch { Visibility = Visibility.Private });
        host.Catalog.Update(embargoed, Principal.Local, new Catalog.RecordPatch { Visibility = Visibility.Private });
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, soon - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) + 200));

        using var http = host.Client();
        var items = JsonNode.Parse(await http.GetStringAsync("/api/feed?since=0"))!["items"]!.AsArray();
        var named = items.Select(i => i!["identifier"]!.GetValue<string>()).ToList();
        Assert.Contains(shown, named);
        Assert.DoesNotContain(embargoed, named);
    }

    [Fact]
    public async Task TheFeedPagesWithACursor()
    {
        await using var host = await ServerHost.Start("sqlite");
        var dir = Path.Combine(host.Library.Folder, "f");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 7; i++)
        {
            host.Catalog.Ingestor.IngestFile(Synthetic.WriteTiff(dir, $"n{i}", Synthetic.Noise(16, i)), Principal.Local, new IngestOptions { Visibility = i == 3 ? Visibility.Project : Visibility.Public });
        }

        using var http = host.Client();
        var seen = new List<string>();
        string since = "0";
        for (int guard = 0; guard < 10; guard++)
        {
            var page = JsonNode.Parse(await http.GetStringAsync($"/api/feed?since={since}&limit=2"))!;
            var ids = page["items"]!.AsArray().Select(i => i!["identifier"]!.GetValue<string>()).ToList();
            seen.AddRange(ids);
            since = page["next"]!.GetValue<string>();
            if (ids.Count == 0)
            {
                break;
            }
        }

        Assert.Equal(6, seen.Count);
        Assert.Equal(6, seen.Distinct().Count());
    }
}
