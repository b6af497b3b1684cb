using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Catalog.Search;
using Condenser.Data;
using Condenser.Formats;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser bench catalog</c>: search and similarity latency on a library of synthetic records, and ingest
/// throughput of small files; <c>condenser bench load URL</c>: an open-loop load generator against a running server.
/// </summary>
internal static class CatalogBenchCommand
{
    private static readonly string[] Instruments = ["Titan Themis 300", "JEM-ARM200F", "Spectra Ultra", "Talos F200X", "Nion UltraSTEM 100", "Krios G4", "Tecnai F20", "Helios 5"];
    private static readonly string[] Signals = ["image", "diffraction", "spectrum", "spectrum_image", "4d_stem", "stack"];
    private static readonly string[] Formats = ["digitalmicrograph", "emd", "mib", "mrc", "tiff", "tia"];
    private static readonly string[] Samples = ["SrTiO3", "LaMnO3", "gold nanoparticles", "MoS2 monolayer", "Si lamella", "GaN nanowire", "steel grain boundary", "graphene", "zeolite", "perovskite solar cell"];
    private static readonly string[][] SampleElements = [["Sr", "Ti", "O"], ["La", "Mn", "O"], ["Au"], ["Mo", "S"], ["Si"], ["Ga", "N"], ["Fe", "C", "Cr"], ["C"], ["Si", "Al", "O"], ["Pb", "I", "C", "N"]];
    private static readonly string[] Words = ["interface", "defect", "dislocation", "tilt", "series", "overview", "high", "resolution", "map", "scan", "drift", "corrected", "beam", "sensitive", "cryo", "tomography", "strain", "phase", "domain", "vacancy"];

    public static Command Catalog()
    {
        var records = new Option<int>("--records") { Description = "synthetic records in the library", DefaultValueFactory = _ => 100_000 };
        var db = new Option<string?>("--db") { Description = "PostgreSQL connection string (default SQLite)" };
        var data = new Option<string?>("--data") { Description = "library folder (default a new temporary one, removed afterwards)" };
        var queries = new Option<int>("--queries") { Description = "queries per measurement", DefaultValueFactory = _ => 300 };
        var c = new Command("catalog", "search and similarity latency (p50/p95/p99) on synthetic records, and ingest throughput of small files (JSON)");
        c.Options.Add(records);
        c.Options.Add(db);
        c.Options.Add(data);
        c.Options.Add(queries);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            int n = r.GetValue(records), q = r.GetValue(queries);
            var folder = r.GetValue(data) ?? Path.Combine(Path.GetTempPath(), "condenser-bench-" + Guid.NewGuid().ToString("N"));
            bool temporary = r.GetValue(data) is null;
            try
            {
                using var catalog = Condenser.Catalog.Catalog.Open(folder, r.GetValue(db));
                var sw = Stopwatch.StartNew();
                int existing = (int)catalog.Search(new SearchQuery { PageSize = 1 }, Principal.Local, facets: false).Total;
                Fill(catalog, existing, n);
                double fillS = sw.Elapsed.TotalSeconds;
                var member = catalog.Users.List().FirstOrDefault(u => u.Name == "bench-member") is { } m ? catalog.Users.PrincipalOf(m.Id)!
                    : catalog.Users.PrincipalOf(catalog.Users.Add("bench-member", Role.Contributor, "Institute 1", ["project-3", "project-7"]).User.Id)!;
                var rng = new Random(7);
                var principals = new[] { Principal.Anonymous, member, Principal.Local };

                SearchQuery RandomQuery(int i) => (i % 6) switch
                {
                    0 => new SearchQuery { Text = Words[rng.Next(Words.Length)] },
                    1 => new SearchQuery { SignalType = Signals[rng.Next(Signals.Length)], Instrument = Instruments[rng.Next(Instruments.Length)] },
                    2 => new SearchQuery { Text = Samples[rng.Next(Samples.Length)].Split(' ')[0], Elements = [SampleElements[rng.Next(SampleElements.Length)][0]] },
                    3 => new SearchQuery { BeamEnergyMin = 150, BeamEnergyMax = 250, From = DateTimeOffset.UtcNow.AddYears(-2).ToUnixTimeMilliseconds() },
                    4 => new SearchQuery { Page = 1 + rng.Next(20), Sort = "name", Descending = false },
                    _ => new SearchQuery { Text = $"{Words[rng.Next(Words.Length)]} {Words[rng.Next(Words.Length)]}" },
                };

                var search = Measure(q, i => catalog.Search(RandomQuery(i), principals[i % 3]));
                catalog.Similarity.Refresh();
                var ids = catalog.Db.Read(conn => Condenser.Catalog.Database.DbExtensions.Query(conn, null, "SELECT id FROM datasets WHERE visibility = 'public' AND embargo_ms = 0 ORDER BY seq LIMIT 5000", x => x.GetString(0)));
                catalog.Similar(ids[0], Principal.Local); // builds the index (timed separately)
                var similar = Measure(q, i => catalog.Similar(ids[rng.Next(ids.Count)], principals[i % 3], 10));

                var ingest = IngestSmallFiles(catalog, 200);
                var doc = new JsonObject
                {
                    ["database"] = catalog.Db.Describe,
                    ["records"] = existing + n,
                    ["fill_s"] = Math.Round(fillS, 1),
                    ["search_ms"] = search,
                    ["similar_ms"] = similar,
                    ["ingest_small_files_per_s"] = Math.Round(ingest, 1),
                    ["queries"] = q,
                };
                Console.WriteLine(doc.ToJsonString());
                return 0;
            }
            finally
            {
                if (temporary)
                {
                    foreach (var f in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
                    {
                        File.SetAttributes(f, FileAttributes.Normal);
                    }

                    Directory.Delete(folder, true);
                }
            }
        }));
        return c;
    }

    private static JsonObject Measure(int count, Action<int> work)
    {
        for (int i = 0; i < 10; i++)
        {
            work(i); // warm-up
        }

        var ms = new double[count];
        for (int i = 0; i < count; i++)
        {
            long t = Stopwatch.GetTimestamp();
            work(i);
            ms[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }

        Array.Sort(ms);
        double P(double p) => Math.Round(ms[(int)Math.Min(ms.Length - 1, Math.Ceiling(p * ms.Length) - 1)], 2);
        return new JsonObject { ["p50"] = P(0.5), ["p95"] = P(0.95), ["p99"] = P(0.99), ["max"] = Math.Round(ms[^1], 2) };
    }

    /// <summary>Writes synthetic records straight through the record writer, in transactions of 1000.</summary>
    private static void Fill(Condenser.Catalog.Catalog catalog, int start, int n)
    {
        var rng = new Random(start + 1);
        var projects = catalog.Db.Write((c, tx) => Enumerable.Range(0, 10).Select(i => Users.EnsureProject(c, tx, $"project-{i}", $"Institute {i % 3}")).ToArray());
        var centres = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, Condenser.Catalog.Similarity.Descriptor.Length).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray()).ToArray();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int first = start; first < start + n; first += 1000)
        {
            int end = Math.Min(start + n, first + 1000);
            catalog.Db.Write((c, tx) =>
            {
                for (int i = first; i < end; i++)
                {
                    int s = rng.Next(Samples.Length), p = rng.Next(projects.Length);
                    var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes((long)i)));
                    var centre = centres[rng.Next(centres.Length)];
                    var file = $"{Samples[s].Split(' ')[0]}_{Words[rng.Next(Words.Length)]}_{Words[rng.Next(Words.Length)]}_{i:D6}.dm4";
                    RecordWriter.Insert(c, tx, new DatasetRecord
                    {
                        Id = DatasetRecord.MakeId(sha, 0),
                        FileSha256 = sha,
                        FileName = file,
                        FileSize = 1 << 20,
                        Files = [new Condenser.Catalog.Storage.StoredFile(file, sha, 1 << 20)],
                        Format = Formats[rng.Next(Formats.Length)],
                        Name = file,
                        Shape = [256, 256],
                        DType = "uint16",
                        SignalType = Signals[rng.Next(Signals.Length)],
                        Instrument = Instruments[rng.Next(Instruments.Length)],
                        BeamEnergyKeV = new[] { 60.0, 80, 120, 200, 300 }[rng.Next(5)],
                        AcquiredMs = now - (long)(rng.NextDouble() * 5 * 365.25 * 86_400_000),
                        IngestedMs = now,
                        UpdatedMs = now,
                        Sample = Samples[s],
                        Elements = SampleElements[s],
                        Description = $"{Words[rng.Next(Words.Length)]} {Words[rng.Next(Words.Length)]} of {Samples[s]}",
                        ProjectId = projects[p],
                        ProjectName = $"project-{p}",
                        Institution = $"Institute {p % 3}",
                        Visibility = (Condenser.Catalog.Access.Visibility)rng.Next(4),
                        SessionId = $"s_bench{i / 40}",
                        Info = "{}",
                        Descriptor = centre.Select(v => v + (float)(0.3 * (rng.NextDouble() - 0.5))).ToArray(),
                    });
                }

                return 0;
            });
        }

        catalog.Similarity.Invalidate();
    }

    private static double IngestSmallFiles(Condenser.Catalog.Catalog catalog, int count)
    {
        var dir = Path.Combine(Path.GetTempPath(), "condenser-bench-files-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var rng = new Random(Environment.TickCount);
            for (int i = 0; i < count; i++)
            {
                var bytes = new byte[128 * 128 * 2];
                rng.NextBytes(bytes);
                using var ds = EmDataset.FromBytes($"small{i}", [], [128, 128], DType.UInt16, bytes);
                FormatRegistry.Writers.First(w => w.Name == "tiff").Write(Path.Combine(dir, $"small{i:D4}.tif"), [ds]);
            }

            var sw = Stopwatch.StartNew();
            var outcomes = catalog.Ingestor.IngestPaths([dir], Principal.Local, new IngestOptions { Project = "bench-ingest" });
            if (outcomes.Any(o => o.Status != "ingested"))
            {
                throw new InvalidOperationException($"bench ingest: {outcomes.First(o => o.Status != "ingested")}");
            }

            return count / sw.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static Command Load()
    {
        var url = new Argument<string>("url") { Description = "server URL" };
        var rate = new Option<int>("--rate") { Description = "requests per second (open loop: sent on schedule whatever the answers do)", DefaultValueFactory = _ => 1000 };
        var seconds = new Option<int>("--seconds") { Description = "duration", DefaultValueFactory = _ => 20 };
        var token = new Option<string?>("--token") { Description = "API token" };
        var c = new Command("load", "an open-loop load on a running server: a mix of record, search, preview and similar requests; latency from each request's scheduled time (JSON)");
        c.Arguments.Add(url);
        c.Options.Add(rate);
        c.Options.Add(seconds);
        c.Options.Add(token);
        c.SetAction(r => CommandRunner.Run(() => RunLoad(r.GetValue(url)!.TrimEnd('/'), r.GetValue(rate), r.GetValue(seconds), r.GetValue(token)).GetAwaiter().GetResult()));
        return c;
    }

    private static async Task<int> RunLoad(string url, int rate, int seconds, string? token)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        var page = JsonNode.Parse(await http.GetStringAsync("/api/datasets?page_size=200&facets=false"))!;
        var ids = page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToArray();
        if (ids.Length == 0)
        {
            throw new InvalidOperationException("the server has no records the caller can see");
        }

        // Thumbnails only of records that have them (synthetic records have none).
        var withThumbs = new List<string>();
        foreach (var id in ids.Take(50))
        {
            if ((await http.GetStringAsync($"/api/datasets/{id}")).Contains("\"thumb\"", StringComparison.Ordinal))
            {
                withThumbs.Add(id);
            }
        }

        string[] kinds = ["record", "record", "record", "record", "record", "search", "search", "filter", "similar", withThumbs.Count > 0 ? "thumbnail" : "record"];
        string Path(int i) => kinds[i % 10] switch
        {
            "record" => $"/api/datasets/{ids[i % ids.Length]}",
            "search" => $"/api/datasets?q={Words[i % Words.Length]}&page_size=20",
            "filter" => $"/api/datasets?signal_type={Signals[i % Signals.Length]}&page_size=20&facets=false",
            "similar" => $"/api/datasets/{ids[i % ids.Length]}/similar",
            _ => $"/api/datasets/{withThumbs[i % withThumbs.Count]}/preview.png?kind=thumb",
        };

        // Two seconds at the full rate first, not counted: connections open, code is compiled, pools grow.
        ThreadPool.SetMinThreads(Math.Max(64, Environment.ProcessorCount), 64);
        await Send(http, Path, rate, 2 * rate, new double[2 * rate]);
        int total = rate * seconds;
        var latencies = new double[total];
        var (errors, elapsed) = await Send(http, Path, rate, total, latencies);
        var byKind = new JsonObject();
        foreach (var kind in kinds.Distinct())
        {
            var l = Enumerable.Range(0, total).Where(i => kinds[i % 10] == kind).Select(i => latencies[i]).Order().ToArray();
            byKind[kind] = new JsonObject { ["p50_ms"] = Math.Round(l[l.Length / 2], 2), ["p99_ms"] = Math.Round(l[(int)(0.99 * (l.Length - 1))], 2) };
        }

        Array.Sort(latencies);
        double P(double p) => Math.Round(latencies[(int)Math.Min(latencies.Length - 1, Math.Ceiling(p * latencies.Length) - 1)], 2);
        Console.WriteLine(new JsonObject
        {
            ["by_kind"] = byKind,
            ["url"] = url,
            ["requests"] = total,
            ["target_per_s"] = rate,
            ["achieved_per_s"] = Math.Round(total / elapsed, 1),
            ["errors"] = errors,
            ["p50_ms"] = P(0.5),
            ["p95_ms"] = P(0.95),
            ["p99_ms"] = P(0.99),
            ["max_ms"] = Math.Round(latencies[^1], 2),
        }.ToJsonString());
        return errors == 0 ? 0 : 1;
    }

    /// <summary>Sends <paramref name="total"/> requests on an open-loop schedule; latency counts from each request's due time.</summary>
    private static async Task<(int Errors, double Seconds)> Send(HttpClient http, Func<int, string> path, int rate, int total, double[] latencies)
    {
        int errors = 0;
        var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10);
        var tasks = new List<Task>(total);
        for (int i = 0; i < total; i++)
        {
            long due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            long wait = due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000)
            {
                await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            }

            int k = i;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    using var resp = await http.GetAsync(path(k), HttpCompletionOption.ResponseContentRead);
                    if (!resp.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies[k] = (Stopwatch.GetTimestamp() - due) * 1000.0 / Stopwatch.Frequency;
            }));
        }

        await Task.WhenAll(tasks);
        return (errors, (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency);
    }
}
