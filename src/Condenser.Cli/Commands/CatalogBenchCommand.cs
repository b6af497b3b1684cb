using System.CommandLine;
using Condenser.Bench;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser bench catalog</c>: search and similarity latency on a library of synthetic records, and ingest
/// throughput of small files; <c>condenser bench load URL</c>: an open-loop load generator against a running server.
/// </summary>
internal static class CatalogBenchCommand
{
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
            var folder = r.GetValue(data) ?? Path.Combine(Path.GetTempPath(), "condenser-bench-" + Guid.NewGuid().ToString("N"));
            bool temporary = r.GetValue(data) is null;
            try
            {
                Console.WriteLine(CatalogBench.Run(folder, r.GetValue(db), r.GetValue(records), r.GetValue(queries)).ToJsonString());
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
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var (figures, errors) = CatalogBench.Load(r.GetValue(url)!.TrimEnd('/'), r.GetValue(rate), r.GetValue(seconds), r.GetValue(token)).GetAwaiter().GetResult();
            Console.WriteLine(figures.ToJsonString());
            return errors == 0 ? 0 : 1;
        }));
        return c;
    }
}
