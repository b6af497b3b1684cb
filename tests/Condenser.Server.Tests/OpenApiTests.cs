using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Condenser.Server.Tests;

/// <summary>The served OpenAPI document: every operation described with its parameters, bodies and answers, and clean under redocly's minimal rules.</summary>
public partial class OpenApiTests
{
    [Fact]
    public async Task EveryOperationHasItsParametersBodiesAndAnswersDescribed()
    {
        var doc = await Document();
        var schemas = doc["components"]?["schemas"]?.AsObject() ?? [];
        int operations = 0;
        foreach (var (path, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, op) in item!.AsObject())
            {
                operations++;
                string where = $"{method.ToUpperInvariant()} {path}";
                Assert.False(string.IsNullOrEmpty(op!["operationId"]?.GetValue<string>()), $"{where} has no operation id");
                Assert.False(string.IsNullOrEmpty(op["summary"]?.GetValue<string>()), $"{where} has no summary");

                // Every route parameter is declared.
                var declared = (op["parameters"]?.AsArray() ?? []).Select(p => p!["name"]!.GetValue<string>()).ToHashSet();
                foreach (Match m in RouteParameter().Matches(path))
                {
                    Assert.Contains(m.Groups[1].Value, declared);
                }

                // A success answer with a typed body: JSON answers name a schema; files name their media type.
                var success = op["responses"]!.AsObject().Where(r => r.Key.StartsWith('2')).ToList();
                Assert.True(success.Count > 0, $"{where} has no success answer");
                foreach (var (status, response) in success)
                {
                    var content = response!["content"]?.AsObject();
                    Assert.True(content is { Count: > 0 }, $"{where} {status} has no body described");
                    foreach (var (media, body) in content!)
                    {
                        var schema = body!["schema"];
                        Assert.True(schema is not null, $"{where} {status} {media} has no schema");
                        if (media == "application/json" && schema!["$ref"] is { } r)
                        {
                            var name = r.GetValue<string>().Split('/')[^1];
                            Assert.True(schemas.ContainsKey(name), $"{where} refers to a missing schema {name}");
                            Assert.True(schemas[name]!["properties"] is JsonObject { Count: > 0 } || schemas[name]!["type"] is not null, $"{where}: schema {name} is empty");
                        }
                    }
                }

                // Writes that take JSON describe their body.
                if (method is "post" or "patch" && path != "/api/datasets")
                {
                    Assert.True(op["requestBody"]?["content"] is JsonObject { Count: > 0 }, $"{where} has no request body described");
                }
            }
        }

        Assert.True(operations >= 28, $"only {operations} operations");
        // The upload: a multipart body and its ingest options as query parameters.
        var upload = doc["paths"]!["/api/datasets"]!["post"]!;
        Assert.NotNull(upload["requestBody"]!["content"]!["multipart/form-data"]);
        Assert.Contains("embargo_until", upload["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.Contains("status", schemas["IngestOutcome"]!["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task TheDocumentPassesRedoclyMinimalLint() => await Lint(await Document());

    /// <summary>Runs redocly's minimal rules over <paramref name="document"/>: valid, no warning.</summary>
    internal static async Task Lint(JsonObject document)
    {
        var redocly = Environment.GetEnvironmentVariable("CONDENSER_REDOCLY") is { Length: > 0 } e ? e
            : Path.Combine(TestData.RepositoryRoot, "tools", "openapi-lint", "node_modules", ".bin", "redocly");
        if (!File.Exists(redocly))
        {
            Assert.Skip($"redocly is not installed at {redocly} (.ci/run installs it with npm ci in tools/openapi-lint, and fails if any test is skipped)");
        }

        var file = Path.Combine(Path.GetTempPath(), $"condenser-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document.ToJsonString());
        try
        {
            var psi = new ProcessStartInfo(redocly) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "lint", "--extends=minimal", file })
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["REDOCLY_TELEMETRY"] = "off";
            psi.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "redocly did not finish in two minutes");
            var output = await stdout + await stderr;
            Assert.True(p.ExitCode == 0, $"redocly lint failed:\n{output}");
            Assert.Contains("valid", output);
            Assert.DoesNotMatch(@"You have \d+ warning", output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<JsonObject> Document()
    {
        await using var host = await ServerHost.Start("sqlite");
        using var http = host.Client();
        return JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!.AsObject();
    }

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex RouteParameter();
}
