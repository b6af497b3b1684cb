using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;

namespace Condenser.Server.Tests;

public class UploadTests
{
    private static MultipartFormDataContent Form(params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            // Set the header by hand so that hostile names reach the server exactly as written.
            part.Headers.ContentDisposition = ContentDispositionHeaderValue.Parse($"form-data; name=\"file\"; filename=\"{name}\"");
            form.Add(part);
        }

        return form;
    }

    private static (int Objects, int Tmp, long Records) Trace(ServerHost host) =>
        (Directory.EnumerateFiles(Path.Combine(host.Catalog.Store.Root, "objects"), "*", SearchOption.AllDirectories).Count(),
         Directory.EnumerateFileSystemEntries(Path.Combine(host.Catalog.Store.Root, "tmp")).Count(),
         host.Catalog.Search(new Catalog.Search.SearchQuery(), Principal.Local).Total);

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public async Task UploadsIngestAndHostileUploadsLeaveNoTrace(string backend)
    {
        await using var host = await ServerHost.Start(backend, o => o with { MaxUploadBytes = 2 << 20 });
        var token = host.Catalog.Users.Add("uploader", Role.Contributor, "Lab", ["alpha"]).Token;
        var viewer = host.Catalog.Users.Add("looker", Role.Viewer, "Lab", ["alpha"]).Token;
        using var http = host.Client(token);
        string T(string rel) => Path.Combine(TestLibrary.TestData, rel);

        // A Merlin file with its header: one record, both files kept.
        var r = await http.PostAsync("/api/datasets?project=alpha&sample=Si&elements=Si",
            Form(("001_4x2_6bit.mib", File.ReadAllBytes(T("quantumdetector/001_4x2_6bit.mib"))), ("001_4x2_6bit.hdr", File.ReadAllBytes(T("quantumdetector/001_4x2_6bit.hdr")))));
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var file = Assert.Single(body["files"]!.AsArray());
        Assert.Equal("ingested", file!["status"]!.GetValue<string>());
        var id = file["ids"]![0]!.GetValue<string>();
        var rec = JsonNode.Parse(await http.GetStringAsync($"/api/datasets/{id}"))!;
        Assert.Equal(2, rec["files"]!.AsArray().Count);
        Assert.Equal("project", rec["visibility"]!.GetValue<string>());
        Assert.Equal("Si", rec["elements"]![0]!.GetValue<string>());

        // The same again: recognised, 200, nothing new.
        var again = await http.PostAsync("/api/datasets?project=alpha", Form(("copy.mib", File.ReadAllBytes(T("quantumdetector/001_4x2_6bit.mib")))));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("duplicate", await again.Content.ReadAsStringAsync());

        var before = Trace(host);
        var dm3 = File.ReadAllBytes(T("digitalmicrograph/2D/test-1.dm3"));
        var cases = new (string What, HttpClient Client, string Query, HttpContent Content, HttpStatusCode Status)[]
        {
            ("parent folder", http, "project=alpha", Form(("../evil.dm3", dm3)), HttpStatusCode.BadRequest),
            ("absolute path", http, "project=alpha", Form(("/etc/passwd", dm3)), HttpStatusCode.BadRequest),
            ("sub-folder", http, "project=alpha", Form(("a/b.dm3", dm3)), HttpStatusCode.BadRequest),
            ("backslash", http, "project=alpha", Form(("..\\\\b.dm3", dm3)), HttpStatusCode.BadRequest),
            ("hidden", http, "project=alpha", Form((".bashrc", dm3)), HttpStatusCode.BadRequest),
            ("empty name", http, "project=alpha", Form(("", dm3)), HttpStatusCode.BadRequest),
            ("too long", http, "project=alpha", Form((new string('x', 300) + ".dm3", dm3)), HttpStatusCode.BadRequest),
            ("twice the same name", http, "project=alpha", Form(("a.dm3", dm3), ("a.dm3", dm3)), HttpStatusCode.BadRequest),
            ("corrupt DM3", http, "project=alpha", Form(("broken.dm3", dm3[..300])), HttpStatusCode.UnprocessableEntity),
            ("random bytes", http, "project=alpha", Form(("noise.mrc", RandomNumberGenerator.GetBytes(4096))), HttpStatusCode.UnprocessableEntity),
            ("text", http, "project=alpha", Form(("notes.txt", "hello"u8.ToArray())), HttpStatusCode.UnprocessableEntity),
            ("larger than the limit", http, "project=alpha", Form(("big.dm3", new byte[3 << 20])), HttpStatusCode.RequestEntityTooLarge),
            ("far larger than the limit", http, "project=alpha", Form(("huge.dm3", new byte[12 << 20])), HttpStatusCode.RequestEntityTooLarge),
            ("not multipart", http, "project=alpha", new ByteArrayContent(dm3), HttpStatusCode.BadRequest),
            ("no file part", http, "project=alpha", new MultipartFormDataContent { { new StringContent("x"), "note" } }, HttpStatusCode.BadRequest),
            ("bad visibility", http, "project=alpha&visibility=world", Form(("ok.dm3", dm3)), HttpStatusCode.BadRequest),
            ("bad element", http, "project=alpha&elements=Kryptonite", Form(("ok.dm3", dm3)), HttpStatusCode.BadRequest),
            ("someone else's project", http, "project=gamma", Form(("ok.dm3", dm3)), HttpStatusCode.Forbidden),
            ("viewer", host.Client(viewer), "project=alpha", Form(("ok.dm3", dm3)), HttpStatusCode.Forbidden),
            ("anonymous", host.Client(), "project=alpha", Form(("ok.dm3", dm3)), HttpStatusCode.Unauthorized),
        };
        foreach (var (what, client, query, content, status) in cases)
        {
            HttpResponseMessage resp;
            try
            {
                resp = await client.PostAsync($"/api/datasets?{query}", content);
            }
            catch (HttpRequestException) when (status == HttpStatusCode.RequestEntityTooLarge)
            {
                continue; // the server may close the connection before the client finishes sending
            }

            var text = await resp.Content.ReadAsStringAsync();
            Assert.True(status == resp.StatusCode, $"{what}: {(int)resp.StatusCode} {text}");
            Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
            Assert.Equal(before, Trace(host));
        }

        // And the library still serves what it had.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/datasets/{id}/file")).StatusCode);
    }
}
