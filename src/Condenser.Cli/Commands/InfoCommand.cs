using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Formats;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser info FILE…</c>: format, datasets, shapes, axes, metadata and statistics of each file.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var json = new Option<bool>("--json") { Description = "print the stable JSON description (and nothing else) on stdout" };
        var original = new Option<bool>("--original") { Description = "include the file's full original metadata tree" };
        var files = new Argument<string[]>("file") { Description = "the files to open (any supported format)", Arity = ArgumentArity.OneOrMore };
        var c = new Command("info", "show what files hold: datasets, navigation × signal shape, calibrated axes, metadata, statistics");
        c.Arguments.Add(files);
        common.AddTo(c, withFile: false);
        c.Options.Add(json);
        c.Options.Add(original);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            // One file: its description (JSON object). Several: a JSON array of them, or the tables one after another.
            var paths = r.GetValue(files)!;
            bool withOriginal = r.GetValue(original);
            var docs = new JsonArray();
            for (int i = 0; i < paths.Length; i++)
            {
                using var file = common.Open(r, paths[i]);
                var doc = DatasetDescription.Describe(file, withOriginal, ConsoleProgress.Cancel, d => ConsoleProgress.For($"reading {d.Name}", d.ByteLength));
                if (r.GetValue(json))
                {
                    docs.Add(doc);
                    continue;
                }

                if (i > 0)
                {
                    Console.WriteLine();
                }

                Print(doc, withOriginal);
            }

            if (r.GetValue(json))
            {
                Console.WriteLine((paths.Length == 1 ? docs[0]! : docs).ToJsonString(Json.Options));
            }

            return 0;
        }));
        return c;
    }

    private static void Print(JsonObject doc, bool original)
    {
        Console.WriteLine($"{doc["file"]}  ({doc["format"]})");
        var sets = doc["datasets"]!.AsArray();
        for (int i = 0; i < sets.Count; i++)
        {
            var d = sets[i]!;
            var shape = d["shape"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            int nav = d["navigation_dims"]!.GetValue<int>();
            Console.WriteLine();
            Console.WriteLine($"[{i}] {d["name"]}");
            Console.WriteLine($"    shape     ({string.Join(", ", shape[..nav])} | {string.Join(", ", shape[nav..])})  {d["dtype"]}");
            foreach (var a in d["axes"]!.AsArray())
            {
                var units = a!["units"]!.GetValue<string>();
                string nm = a["name"]!.GetValue<string>();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {(a["navigate"]!.GetValue<bool>() ? "nav" : "sig"),-4} {(nm.Length > 0 ? nm : "-"),-14} {a["size"],6}  scale {a["scale"]!.GetValue<double>():G6} {units}  offset {a["offset"]!.GetValue<double>() + 0.0:G6}"));
            }

            var s = d["stats"]!;
            Console.WriteLine($"    values    min {s["min"]?.ToString() ?? "-"}  max {s["max"]?.ToString() ?? "-"}  mean {s["mean"]?.ToString() ?? "-"}  sum {s["sum"]?.ToString() ?? "-"}");
            if (s["nan"] is not null)
            {
                Console.WriteLine($"    non-finite  {s["nan"]} NaN  {s["positive_infinity"]} +inf  {s["negative_infinity"]} -inf (the statistics above are over the finite values)");
            }
            Console.WriteLine($"    sha256    {d["sha256"]}");
            foreach (var (k, v) in d["metadata"]!.AsObject())
            {
                if (v is not null)
                {
                    Console.WriteLine($"    {k,-24} {v}");
                }
            }

            if (original && d["original_metadata"] is { } om)
            {
                Console.WriteLine("    original metadata:");
                Console.WriteLine(om.ToJsonString(Json.Options));
            }
        }
    }
}
