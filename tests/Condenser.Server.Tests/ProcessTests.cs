using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Condenser.Server.Tests;

public class ProcessTests
{
    [Fact]
    public async Task UsersAddBootstrapsAnAdminThatTheRunningServerSeesAndIngestReachesIt()
    {
        using var lib = TestLibrary.Create("sqlite");
        using var server = await ServerProcess.Start(lib.Folder, null);

        // The token is printed once, alone on stdout.
        var (code, stdout, stderr) = CliRunner.Run("users", "add", "alice", "--role", "admin", "--data", lib.Folder);
        Assert.True(code == 0, stderr);
        var token = stdout.Trim();
        Assert.StartsWith("cdn_", token);
        Assert.DoesNotContain('\n', token);
        Assert.Equal(2, CliRunner.Run("users", "add", "alice", "--role", "admin", "--data", lib.Folder).Code);
        Assert.Equal(2, CliRunner.Run("users", "add", "bob", "--role", "emperor", "--data", lib.Folder).Code);

        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var me = JsonNode.Parse(await http.GetStringAsync("/api/me"))!;
        Assert.Equal("alice", me["name"]!.GetValue<string>());
        Assert.Equal("admin", me["role"]!.GetValue<string>());

        // The admin adds a contributor through the server; a contributor's token cannot add users.
        var viaServer = CliRunner.Run("users", "add", "carol", "--role", "contributor", "--project", "lab", "--server", server.Url, "--token", token);
        Assert.True(viaServer.Code == 0, viaServer.Err);
        var carol = viaServer.Out.Trim();
        using (var asCarol = new HttpClient { BaseAddress = new Uri(server.Url) })
        {
            asCarol.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", carol);
            Assert.Equal("contributor", JsonNode.Parse(await asCarol.GetStringAsync("/api/me"))!["role"]!.GetValue<string>());
        }

        var refusedUser = CliRunner.Run("users", "add", "dave", "--role", "admin", "--server", server.Url, "--token", carol);
        Assert.Equal(2, refusedUser.Code);
        Assert.Contains("403", refusedUser.Err);

        // Ingest against the running server: a Merlin file with its header, and a folder.
        var dir = lib.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr", "digitalmicrograph/2D/test_STEM_image.dm3");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a microscope file");
        var ingest = CliRunner.Run("ingest", dir, "--server", server.Url, "--token", token, "--project", "lab", "--visibility", "public", "--json");
        Assert.True(ingest.Code == 0, ingest.Err);
        var result = JsonNode.Parse(ingest.Out)!;
        Assert.Equal(2, result["ingested"]!.GetValue<int>());
        var list = JsonNode.Parse(await new HttpClient().GetStringAsync(server.Url + "/api/datasets?project=lab"))!;
        Assert.Equal(2, list["total"]!.GetValue<int>());

        // Without a token the server refuses, and the command says so.
        var refused = CliRunner.Run("ingest", dir, "--server", server.Url);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("ingest", refused.Err + refused.Out, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public async Task KillingTheServerMidIngestLosesNothingAcknowledged(string backend)
    {
        using var lib = TestLibrary.Create(backend);
        var token = CliRunner.Run(["users", "add", "writer", "--role", "admin", "--data", lib.Folder, .. lib.Connection is null ? Array.Empty<string>() : ["--db", lib.Connection]]).Out.Trim();
        var files = Path.Combine(lib.Folder, "uploads");
        Directory.CreateDirectory(files);
        var paths = Enumerable.Range(0, 400).Select(i => Synthetic.WriteTiff(files, $"frame{i:D3}", Synthetic.Noise(48, 1000 + i))).ToList();
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();

        var server = await ServerProcess.Start(lib.Folder, lib.Connection);
        using (server)
        {
            using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            int next = -1;
            async Task Uploader()
            {
                while (true)
                {
                    int i = Interlocked.Increment(ref next);
                    if (i >= paths.Count)
                    {
                        return;
                    }

                    using var form = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(paths[i])), "file", Path.GetFileName(paths[i]) } };
                    HttpResponseMessage r;
                    try
                    {
                        r = await http.PostAsync("/api/datasets?project=crash", form);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return; // the server died under us: this upload was never acknowledged
                    }

                    if (r.StatusCode == HttpStatusCode.Created)
                    {
                        var id = JsonNode.Parse(await r.Content.ReadAsStringAsync())!["files"]![0]!["ids"]![0]!.GetValue<string>();
                        acknowledged[id] = paths[i];
                    }
                }
            }

            var uploaders = Enumerable.Range(0, 3).Select(_ => Task.Run(Uploader)).ToList();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Count < 25 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }

            server.Kill();
            await Task.WhenAll(uploaders);
        }

        Assert.True(acknowledged.Count >= 25, "uploads were not acknowledged before the kill");
        Assert.True(acknowledged.Count < paths.Count, "the kill came after every upload had finished");

        // After a restart: every acknowledged record is there, whole; no record lacks its file; and the objects the
        // kill left without a record are swept (at once here: --orphan-age 0).
        using var restarted = await ServerProcess.Start(lib.Folder, lib.Connection, "--orphan-age", "0");
        using var check = new HttpClient { BaseAddress = new Uri(restarted.Url) };
        check.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var (id, path) in acknowledged)
        {
            var r = await check.GetAsync($"/api/datasets/{id}/file");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(File.ReadAllBytes(path), await r.Content.ReadAsByteArrayAsync());
        }

        var all = JsonNode.Parse(await check.GetStringAsync("/api/datasets?project=crash&page_size=200&facets=false"))!;
        int total = all["total"]!.GetValue<int>();
        Assert.InRange(total, acknowledged.Count, acknowledged.Count + 3); // at most one unacknowledged commit per uploader
        for (int page = 1; (page - 1) * 200 < total; page++)
        {
            var items = JsonNode.Parse(await check.GetStringAsync($"/api/datasets?project=crash&page_size=200&page={page}&facets=false"))!["items"]!.AsArray();
            foreach (var item in items)
            {
                var sha = item!["sha256"]!.GetValue<string>();
                var obj = Path.Combine(lib.Folder, "store", "objects", sha[..2], sha[2..]);
                Assert.True(File.Exists(obj), $"record {item["id"]} has no stored file");
                Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(obj))));
                Assert.Equal(HttpStatusCode.OK, (await check.GetAsync($"/api/datasets/{item["id"]}/preview.png")).StatusCode);
            }
        }

        if (lib.Connection is null)
        {
            using var db = new SqliteConnection($"Data Source={Path.Combine(lib.Folder, "catalog.db")}");
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", cmd.ExecuteScalar());
        }

        var recorded = new HashSet<string>(StringComparer.Ordinal);
        for (int page = 1; (page - 1) * 200 < total; page++)
        {
            foreach (var item in JsonNode.Parse(await check.GetStringAsync($"/api/datasets?project=crash&page_size=200&page={page}&facets=false"))!["items"]!.AsArray())
            {
                recorded.Add(item!["sha256"]!.GetValue<string>());
            }
        }

        var objects = Path.Combine(lib.Folder, "store", "objects");
        List<string> Unreferenced() => [.. Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetFileName(Path.GetDirectoryName(f)) + Path.GetFileName(f)).Where(sha => !recorded.Contains(sha))];
        var sweepDeadline = DateTime.UtcNow.AddSeconds(20);
        while (Unreferenced().Count > 0 && DateTime.UtcNow < sweepDeadline)
        {
            await Task.Delay(100);
        }

        Assert.Empty(Unreferenced());

        // Ingest goes on after the restart.
        using var more = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(paths[^1])), "file", Path.GetFileName(paths[^1]) } };
        Assert.True((await check.PostAsync("/api/datasets?project=crash", more)).IsSuccessStatusCode);
    }
}
