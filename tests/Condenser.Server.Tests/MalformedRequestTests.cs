using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using CsCheck;

namespace Condenser.Server.Tests;

/// <summary>
/// Bodies of the wrong shape are a client's mistake: a 400 problem detail that names what was wrong, never a 5xx.
/// The bodies a careless client sent (22 gave 500), then generated JSON of every kind at every endpoint that takes one.
/// </summary>
public sealed class MalformedRequestTests
{
    private sealed record Endpoint(HttpMethod Method, string Path);

    [Fact]
    public async Task TypeConfusedBodiesAreFourHundredsNamingTheField()
    {
        await using var host = await ServerHost.Start("sqlite");
        var (admin, id) = Setup(host);
        using var http = host.Client(admin);
        var cases = new (HttpMethod Method, string Path, string Body, string Field)[]
        {
            (HttpMethod.Patch, $"/api/datasets/{id}", """{"visibility":5}""", "visibility"),
            (HttpMethod.Patch, $"/api/datasets/{id}", """{"elements":"Sr"}""", "elements"),
            (HttpMethod.Patch, $"/api/datasets/{id}", """{"title":12}""", "title"),
            (HttpMethod.Patch, $"/api/datasets/{id}", """{"embargo_until":5}""", "embargo_until"),
            (HttpMethod.Patch, $"/api/datasets/{id}", """{"title":"a","title":"b"}""", "title"),
            (HttpMethod.Post, $"/api/datasets/{id}/annotations", """{"kind":5}""", "kind"),
            (HttpMethod.Post, $"/api/datasets/{id}/analyses", """{"analysis":5}""", "analysis"),
            (HttpMethod.Post, "/api/users", """{"name":5}""", "name"),
            (HttpMethod.Post, "/api/users", """{"name":"x","projects":"alpha"}""", "projects"),
            (HttpMethod.Post, "/api/import", "[1,2]", string.Empty),
            (HttpMethod.Post, "/api/import", "[null]", string.Empty),
            (HttpMethod.Post, "/api/import", "\"x\"", string.Empty),
            (HttpMethod.Post, "/api/federation/pull", """{"url":5}""", "url"),
        };
        foreach (var (method, path, body, field) in cases)
        {
            var (status, detail) = await Send(http, method, path, body);
            Assert.True(status == 400, $"{method} {path} {body}: {status} {detail}");
            Assert.False(string.IsNullOrWhiteSpace(detail), $"{method} {path} {body}: no detail");
            Assert.Contains(field, detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NoGeneratedJsonBodyGivesAServerError()
    {
        await using var host = await ServerHost.Start("sqlite");
        var (admin, id) = Setup(host);
        using var http = host.Client(admin);
        Endpoint[] endpoints =
        [
            new(HttpMethod.Patch, $"/api/datasets/{id}"), new(HttpMethod.Post, $"/api/datasets/{id}/annotations"),
            new(HttpMethod.Post, $"/api/datasets/{id}/analyses"), new(HttpMethod.Post, "/api/users"),
            new(HttpMethod.Post, "/api/import"), new(HttpMethod.Post, "/api/federation/pull"),
            new(HttpMethod.Post, "/api/autopilot/runs"),
        ];
        string[] fields = ["visibility", "embargo_until", "title", "sample", "elements", "description", "kind", "text", "region",
            "analysis", "parameters", "result", "name", "role", "institution", "projects", "url", "@context", "@type", "policy", "budget"];
        var scalar = Gen.OneOf(
            Gen.Const("null"), Gen.Bool.Select(b => b ? "true" : "false"), Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e308"),
            Gen.String[Gen.Char.AlphaNumeric, 0, 12].Select(s => "\"" + s + "\""), Gen.Const("\"2026-13-45\""), Gen.Const("\"alpha\""));
        var key = Gen.OneOf(fields.Select(Gen.Const).ToArray());
        var nested = Gen.OneOf(
            scalar,
            scalar.Array[0, 3].Select(a => "[" + string.Join(",", a) + "]"),
            Gen.Select(key, scalar, (k, v) => "{\"" + k + "\":" + v + "}"));
        var value = Gen.OneOf(
            nested,
            nested.Array[0, 3].Select(a => "[" + string.Join(",", a) + "]"),
            Gen.Select(key, nested, (k, v) => "{\"" + k + "\":" + v + "}"));
        var body = Gen.OneOf(
            Gen.Select(key.Array[1, 4], value.Array[4], (ks, vs) =>
                "{" + string.Join(",", ks.Select((k, i) => "\"" + k + "\":" + vs[i])) + "}"),
            value);
        var failures = new List<string>();
        await Gen.Select(Gen.Int[0, endpoints.Length - 1], body).SampleAsync(async t =>
        {
            var (e, b) = t;
            var (status, detail) = await Send(http, endpoints[e].Method, endpoints[e].Path, b);
            if (status >= 500)
            {
                failures.Add($"{endpoints[e].Method} {endpoints[e].Path} {b}: {status} {detail}");
            }
        }, iter: 300, threads: 1);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public async Task MalformedUploadPartsAreFourHundreds()
    {
        await using var host = await ServerHost.Start("sqlite");
        var (admin, _) = Setup(host);
        using var http = host.Client(admin);
        var file = File.ReadAllBytes(TestData.File("digitalmicrograph/2D/test_STEM_image.dm3"));
        foreach (var (header, what) in new[]
        {
            ("Content-Disposition: form-data; name=\"file\"; filename=\"a\r\nX-Evil: 1.dm3\"", "a file name with a line break"),
            ("Content-Disposition: form-data; name=\"file\"; filename=\"b.dm3\"\r\nX-Padding: " + new string('p', 20_000), "part headers over 16 KB"),
        })
        {
            var body = new MemoryStream();
            body.Write(Encoding.ASCII.GetBytes($"--bound\r\n{header}\r\nContent-Type: application/octet-stream\r\n\r\n"));
            body.Write(file);
            body.Write(Encoding.ASCII.GetBytes("\r\n--bound--\r\n"));
            using var content = new ByteArrayContent(body.ToArray());
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=bound");
            using var response = await http.PostAsync("/api/datasets?project=alpha", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{what}: {(int)response.StatusCode} {text}");
        }
    }

    private static (string Admin, string Id) Setup(ServerHost host)
    {
        var c = host.Catalog;
        var admin = c.Users.Add("admin", Role.Admin, "Lab").Token;
        var (owner, _) = c.Users.Add("owner", Role.Contributor, "Lab", ["alpha"]);
        var dir = host.Library.CopyFixtures("digitalmicrograph/2D/test_STEM_image.dm3");
        var file = Directory.EnumerateFiles(dir).Single();
        var id = c.Ingestor.IngestFile(file, c.Users.PrincipalOf(owner.Id)!, new IngestOptions { Project = "alpha" }).Ids.Single();
        return (admin, id);
    }

    private static async Task<(int Status, string Detail)> Send(HttpClient http, HttpMethod method, string path, string body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        string detail = text;
        try
        {
            detail = JsonNode.Parse(text)?["detail"]?.GetValue<string>() ?? text;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return ((int)response.StatusCode, detail);
    }
}
