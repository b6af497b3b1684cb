using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Server;
using Condenser.Server.Hosting;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser serve [--data DIR] [--db CONN] [--urls URL] [--demo]</c>: the platform's HTTP API and web UI.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var lib = new LibraryOptions(remote: false);
        var urls = new Option<string>("--urls") { Description = "where to listen (semicolon-separated URLs)", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var demo = new Option<bool>("--demo") { Description = "fill the library with the public demo records of ../shared/testdata (or $CONDENSER_DEMO_DATA) while serving" };
        var drop = new Option<string?>("--drop") { Description = "a folder to watch: files copied there are ingested into project 'drop'" };
        var peers = new Option<string[]>("--peer") { Description = "URL of another Condenser whose public records are federated here (repeatable)" };
        var maxUpload = new Option<long>("--max-upload") { Description = "largest upload accepted, in bytes", DefaultValueFactory = _ => 64L << 30 };
        var orphanAge = new Option<double>("--orphan-age") { Description = "hours after which a stored object no record references (left by an ingest killed before its commit) is removed", DefaultValueFactory = _ => Catalog.Library.DefaultOrphanAge.TotalHours };
        var c = new Command("serve", "run the platform: HTTP API (OpenAPI at /openapi/v1.json) and web UI on the library in --data");
        lib.AddTo(c);
        foreach (var o in new Option[] { urls, demo, drop, peers, maxUpload, orphanAge })
        {
            c.Options.Add(o);
        }

        c.SetAction(r => CommandRunner.Run(() =>
        {
            using var catalog = lib.OpenCatalog(r);
            var options = new ServerOptions
            {
                DataDirectory = catalog.DataDirectory,
                Urls = r.GetValue(urls)!,
                DropFolder = r.GetValue(drop),
                Peers = r.GetValue(peers) ?? [],
                MaxUploadBytes = r.GetValue(maxUpload),
                OrphanAge = r.GetValue(orphanAge) is >= 0 and var hours ? TimeSpan.FromHours(hours) : throw new ArgumentException("--orphan-age must be 0 or more hours"),
            };
            string? demoSource = r.GetValue(demo) ? DemoSource() : null; // a missing folder is said before serving
            var app = CondenserServer.Build(options, catalog);
            app.Start();
            Console.Error.WriteLine($"condenser serving {string.Join(", ", app.Urls)} — library {catalog.DataDirectory} on {catalog.DatabaseDescription}");
            Console.Error.WriteLine($"  web UI {app.Urls.First()}/   API {app.Urls.First()}/api/datasets   OpenAPI {app.Urls.First()}/openapi/v1.json");
            if (demoSource is { } source)
            {
                _ = Task.Run(() =>
                {
                    var outcomes = catalog.Ingestor.IngestPaths([source], Principal.Local, new IngestOptions { Project = "demo", Visibility = Visibility.Public, Description = "demo record from the Condenser test files" });
                    Console.Error.WriteLine($"demo library: {outcomes.Count(o => o.Status == IngestStatus.Ingested)} files ingested, {outcomes.Count(o => o.Status == IngestStatus.Duplicate)} already there, {outcomes.Count(o => o.Status == IngestStatus.Failed)} refused (from {source})");
                    // The digital twin's acquisitions: overviews of its scenes, a strained 4D-STEM scan, an EELS spectrum image.
                    var twinFiles = Condenser.Acquisition.DigitalTwin.DemoSession.WriteAsync(Path.Combine(catalog.DataDirectory, "demo-twin")).GetAwaiter().GetResult();
                    var twin = catalog.Ingestor.IngestPaths(twinFiles, Principal.Local, new IngestOptions { Project = "demo", Visibility = Visibility.Public, Description = "demo acquisition of the Condenser digital twin" });
                    outcomes = [.. outcomes, .. twin];
                    Console.Error.WriteLine($"demo library: {twin.Count(o => o.Status == IngestStatus.Ingested)} twin acquisitions ingested, {twin.Count(o => o.Status == IngestStatus.Duplicate)} already there");
                    foreach (var o in outcomes.Where(o => o.Status == IngestStatus.Failed))
                    {
                        Console.Error.WriteLine($"  refused {o.Error}");
                    }
                });
            }

            app.WaitForShutdown();
            return 0;
        }));
        return c;
    }

    /// <summary>The folder of demo files: $CONDENSER_DEMO_DATA, else ../shared/testdata from here or from the program's folder.</summary>
    private static string DemoSource()
    {
        if (Environment.GetEnvironmentVariable("CONDENSER_DEMO_DATA") is { Length: > 0 } env)
        {
            return Directory.Exists(env) ? env : throw new DirectoryNotFoundException($"CONDENSER_DEMO_DATA={env}: no such folder");
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "..", "shared", "testdata");
                if (Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new DirectoryNotFoundException("--demo: ../shared/testdata was not found (set CONDENSER_DEMO_DATA to a folder of microscope files)");
    }
}
