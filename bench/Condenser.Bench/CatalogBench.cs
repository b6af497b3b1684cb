using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Catalog;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Catalog.Search;
using Condenser.Catalog.Similarity;
using Condenser.Catalog.Storage;
using Condenser.Data;
using Condenser.Formats;

namespace Condenser.Bench;

/// <summary>
/// The library under load: search and similarity latency on synthetic records, ingest throughput of small files
/// (<c>condenser bench catalog</c>), and an open-loop load generator against a running server (<c>condenser bench load</c>).
/// </summary>
public static class CatalogBench
{
    private static readonly string[] Instruments = ["Titan Themis 300", "JEM-ARM200F", "Spectra Ultra", "Talos F200X", "Nion UltraSTEM 100", "Krios G4", "Tecnai F20", "Helios 5"];
    private static readonly string[] Signals = ["image", "diffraction", "spectrum", "spectrum_image", "4d_stem", "stack"];
    private static readonly string[] Formats = ["digitalmicrograph", "emd", "mib", "mrc", "tiff", "tia"];
    private static readonly string[] Samples = ["SrTiO3", "LaMnO3", "gold nanoparticles", "MoS2 monolayer", "Si lamella", "GaN nanowire", "steel grain boundary", "graphene", "zeolite", "perovskite solar cell"];
    private static readonly string[][] SampleElements = [["Sr", "Ti", "O"], ["La", "Mn", "O"], ["Au"], ["Mo", "S"], ["Si"], ["Ga", "N"], ["Fe", "C", "Cr"], ["C"], ["Si", "Al", "O"], ["Pb", "I", "C", "N"]];
    private static readonly string[] Words = ["interface", "defect", "dislocation", "tilt", "series", "overview", "high", "resolution", "map", "scan", "drift", "corrected", "beam", "sensitive", "cryo", "tomography", "strain", "phase", "domain", "vacancy"];

    /// <summary>
    /// Fills the library in <paramref name="folder"/> (SQLite there, or the PostgreSQL database of
    /// <paramref name="connection"/>) with <paramref name="records"/> synthetic records, then measures
    /// <paramref name="queries"/> searches and "more like this" queries (p50/p95/p99/max, ms) as an anonymous caller, a
    /// project member and an admin, and the ingest of 200 small TIFF files.
    /// </summary>
    public static JsonObject Run(string folder, string? connection, int records, int queries)
    {
        using var catalog = Library.Open(folder, connection);
        var sw = Stopwatch.StartNew();
        int existing = (int)catalog.Search(new SearchQuery { PageSize = 1 }, Principal.Local, facets: false).Total;
        Fill(catalog, existing, records);
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

        var search = Measure(queries, i => catalog.Search(RandomQuery(i), principals[i % 3]));
        catalog.Similarity.Refresh();
        // Up to 5,000 public records, oldest first, as an anonymous caller finds them.
        var ids = Enumerable.Range(1, 25).SelectMany(page => catalog.Search(new SearchQuery { Sort = "ingested", Descending = false, Page = page, PageSize = 200 }, Principal.Anonymous, facets: false).Items)
            .Select(x => x.Id).ToList();
        catalog.Similar(ids[0], Principal.Local); // builds the index (timed separately)
        var similar = Measure(queries, i => catalog.Similar(ids[rng.Next(ids.Count)], principals[i % 3], 10));

        var ingest = IngestSmallFiles(catalog, 200);
        var doc = new JsonObject
        {
            ["database"] = catalog.DatabaseDescription,
            ["records"] = existing + records,
            ["fill_s"] = Math.Round(fillS, 1),
            ["search_ms"] = search,
            ["similar_ms"] = similar,
            ["ingest_small_files_per_s"] = Math.Round(ingest, 1),
            ["queries"] = queries,
        };
        return doc;
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

    /// <summary>Imports synthetic records in transactions of 1000 (<see cref="Library.ImportRecords"/>).</summary>
    private static void Fill(Library catalog, int start, int n)
    {
        var rng = new Random(start + 1);
        // Ten projects over three institutions, made as an admin of each institution makes them.
        var admins = Enumerable.Range(0, 3).Select(k => Admin(catalog, $"bench-admin-{k}", $"Institute {k}")).ToArray();
        var projects = Enumerable.Range(0, 10).Select(i => catalog.ProjectFor(admins[i % 3], $"project-{i}")).ToArray();
        var centres = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, Descriptor.Length).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray()).ToArray();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int first = start; first < start + n; first += 1000)
        {
            int end = Math.Min(start + n, first + 1000);
            var batch = new List<DatasetRecord>(end - first);
            for (int i = first; i < end; i++)
            {
                int s = rng.Next(Samples.Length), p = rng.Next(projects.Length);
                var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes((long)i)));
                var centre = centres[rng.Next(centres.Length)];
                var file = $"{Samples[s].Split(' ')[0]}_{Words[rng.Next(Words.Length)]}_{Words[rng.Next(Words.Length)]}_{i:D6}.dm4";
                batch.Add(new DatasetRecord
                {
                    Id = DatasetRecord.MakeId(sha, 0),
                    FileSha256 = sha,
                    FileName = file,
                    FileSize = 1 << 20,
                    Files = [new StoredFile(file, sha, 1 << 20)],
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
                    Visibility = (Visibility)rng.Next(4),
                    SessionId = $"s_bench{i / 40}",
                    Info = "{}",
                    Descriptor = centre.Select(v => v + (float)(0.3 * (rng.NextDouble() - 0.5))).ToArray(),
                });
            }

            catalog.ImportRecords(batch, Principal.Local);
        }

        catalog.Similarity.Invalidate();
    }

    private static Principal Admin(Library catalog, string name, string institution)
    {
        var user = catalog.Users.List().FirstOrDefault(u => u.Name == name) ?? catalog.Users.Add(name, Role.Admin, institution).User;
        return catalog.Users.PrincipalOf(user.Id)!;
    }

    private static double IngestSmallFiles(Library catalog, int count)
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
            if (outcomes.Any(o => o.Status != IngestStatus.Ingested))
            {
                throw new InvalidOperationException($"bench ingest: {outcomes.First(o => o.Status != IngestStatus.Ingested)}");
            }

            return count / sw.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// An open-loop load on a running server for <paramref name="seconds"/> at <paramref name="rate"/> requests/s after a
    /// 2 s warm-up: 50 % record reads, 20 % word searches, 10 % facet filters, 10 % similar, 10 % thumbnails (records
    /// where there are none); latency counts from each request's scheduled time.
    /// </summary>
    /// <returns>The figures (JSON) and the number of failed requests.</returns>
    public static async Task<(JsonObject Figures, int Errors)> Load(string url, int rate, int seconds, string? token)
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
        var figures = new JsonObject
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
        };
        return (figures, errors);
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
