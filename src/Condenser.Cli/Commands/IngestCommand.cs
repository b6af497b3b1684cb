using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Formats;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser ingest PATH... [--data DIR | --server URL --token T]</c>: adds files and folders to a library.</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var lib = new LibraryOptions(remote: true);
        var paths = new Argument<string[]>("paths") { Description = "files or folders (walked recursively; companions such as .hdr files go with their main file)", Arity = ArgumentArity.OneOrMore };
        var project = new Option<string>("--project") { Description = "project the records belong to", DefaultValueFactory = _ => "default" };
        var visibility = new Option<string>("--visibility") { Description = "private, project (default), institution or public", DefaultValueFactory = _ => "project" };
        var embargo = new Option<string?>("--embargo-until") { Description = "ISO date before which the records stay within the project" };
        var experiment = new Option<string?>("--experiment") { Description = "experiment name (groups records with sample and goal)" };
        var sample = new Option<string?>("--sample") { Description = "sample name" };
        var elements = new Option<string?>("--elements") { Description = "chemical elements of the sample, e.g. Sr,Ti,O" };
        var description = new Option<string?>("--description") { Description = "free text" };
        var op = new Option<string?>("--operator") { Description = "who acquired the data" };
        var json = new Option<bool>("--json") { Description = "print one JSON document with every file's outcome" };
        var c = new Command("ingest", "add files to a library: format detected, stored once by SHA-256, metadata, previews and similarity descriptors");
        c.Arguments.Add(paths);
        foreach (var o in new Option[] { project, visibility, embargo, experiment, sample, elements, description, op, json })
        {
            c.Options.Add(o);
        }

        lib.AddTo(c);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var options = new IngestOptions
            {
                Project = r.GetValue(project)!,
                Visibility = AccessNames.ParseVisibility(r.GetValue(visibility)!),
                EmbargoMs = r.GetValue(embargo) is { } e ? DatasetRecord.ParseTime(e, "--embargo-until") : 0,
                Experiment = r.GetValue(experiment),
                Sample = r.GetValue(sample),
                Elements = r.GetValue(elements)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(DatasetRecord.NormaliseElement).ToList() ?? [],
                Description = r.GetValue(description),
                Operator = r.GetValue(op),
            };
            var list = r.GetValue(paths)!;
            foreach (var p in list)
            {
                if (!File.Exists(p) && !Directory.Exists(p))
                {
                    throw new FileNotFoundException($"{p}: no such file or folder", p);
                }
            }

            bool asJson = r.GetValue(json);
            IReadOnlyList<IngestOutcome> outcomes;
            if (lib.Remote(r) is { } remote)
            {
                outcomes = Remote(remote.Url, remote.Token, list, options, o => Print(o, asJson));
            }
            else
            {
                using var catalog = lib.OpenCatalog(r);
                outcomes = catalog.Ingestor.IngestPaths(list, Principal.Local, options, new SyncProgress(o => Print(o, asJson)), ConsoleProgress.Cancel);
            }

            if (asJson)
            {
                Console.WriteLine(new JsonObject
                {
                    ["files"] = new JsonArray(outcomes.Select(o => (JsonNode)o.ToJson()).ToArray()),
                    ["ingested"] = outcomes.Count(o => o.Status == IngestStatus.Ingested),
                    ["duplicates"] = outcomes.Count(o => o.Status == IngestStatus.Duplicate),
                    ["failed"] = outcomes.Count(o => o.Status == IngestStatus.Failed),
                }.ToJsonString(Json.Options));
            }
            else
            {
                Console.Error.WriteLine($"{outcomes.Count(o => o.Status == IngestStatus.Ingested)} ingested, {outcomes.Count(o => o.Status == IngestStatus.Duplicate)} duplicates, {outcomes.Count(o => o.Status == IngestStatus.Failed)} failed");
            }

            return outcomes.Any(o => o.Status == IngestStatus.Failed) ? 1 : 0;
        }));
        return c;
    }

    private sealed class SyncProgress(Action<IngestOutcome> report) : IProgress<IngestOutcome>
    {
        public void Report(IngestOutcome value) => report(value);
    }

    private static void Print(IngestOutcome o, bool json)
    {
        var line = $"{o.Status,-10} {o.File}" + (o.Ids.Count > 0 ? $"  {string.Join(' ', o.Ids)}" : string.Empty) + (o.Error is null ? string.Empty : $"  ({o.Error})");
        Console.Error.WriteLine(line);
    }

    /// <summary>Uploads each main file with its companions to a server.</summary>
    private static List<IngestOutcome> Remote(string url, string? token, IEnumerable<string> paths, IngestOptions options, Action<IngestOutcome> report)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromHours(6) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var query = $"project={Uri.EscapeDataString(options.Project)}&visibility={options.Visibility.Name()}"
            + (options.EmbargoMs > 0 ? $"&embargo_until={Uri.EscapeDataString(DatasetRecord.Iso(options.EmbargoMs))}" : string.Empty)
            + Q("experiment", options.Experiment) + Q("sample", options.Sample) + Q("description", options.Description) + Q("operator", options.Operator)
            + (options.Elements.Count > 0 ? Q("elements", string.Join(',', options.Elements)) : string.Empty);
        var outcomes = new List<IngestOutcome>();
        foreach (var (main, companions) in Groups(paths))
        {
            using var form = new MultipartFormDataContent();
            var streams = new List<Stream>();
            try
            {
                foreach (var f in companions.Prepend(main))
                {
                    var s = File.OpenRead(f);
                    streams.Add(s);
                    form.Add(new StreamContent(s), "file", Path.GetFileName(f));
                }

                using var resp = http.PostAsync($"{url}/api/datasets?{query}", form).GetAwaiter().GetResult();
                var text = resp.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                JsonNode? body = null;
                try
                {
                    body = JsonNode.Parse(text);
                }
                catch (System.Text.Json.JsonException)
                {
                }

                if (resp.IsSuccessStatusCode && body?["files"] is JsonArray files)
                {
                    foreach (var f in files)
                    {
                        var o = new IngestOutcome(f!["file"]!.GetValue<string>(), IngestStatusNames.Parse(f["status"]!.GetValue<string>()), f["ids"]!.AsArray().Select(i => i!.GetValue<string>()).ToList(), f["error"]?.GetValue<string>());
                        outcomes.Add(o);
                        report(o);
                    }
                }
                else
                {
                    if (resp.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
                    {
                        throw new ArgumentException($"the server refused: {body?["detail"] ?? text}");
                    }

                    var o = new IngestOutcome(Path.GetFileName(main), IngestStatus.Failed, [], $"{(int)resp.StatusCode}: {body?["detail"] ?? text}");
                    outcomes.Add(o);
                    report(o);
                }
            }
            finally
            {
                streams.ForEach(s => s.Dispose());
            }
        }

        return outcomes;
    }

    private static string Q(string k, string? v) => v is null ? string.Empty : $"&{k}={Uri.EscapeDataString(v)}";

    /// <summary>Main files with their companions; in folders, files no format reads are left out (the server would refuse them).</summary>
    private static IEnumerable<(string Main, IReadOnlyList<string> Companions)> Groups(IEnumerable<string> paths)
    {
        foreach (var p in paths)
        {
            if (!Directory.Exists(p))
            {
                yield return (p, FormatRegistry.CompanionsOf(p));
                continue;
            }

            foreach (var g in FormatRegistry.Group(Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories)))
            {
                if (Readable(g.Main))
                {
                    yield return g;
                }
            }
        }
    }

    private static bool Readable(string path)
    {
        try
        {
            FormatRegistry.Detect(path);
            return true;
        }
        catch (Condenser.Data.EmFileException)
        {
            return false;
        }
    }
}
