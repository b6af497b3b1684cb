using System.CommandLine;
using System.Text.Json.Nodes;
using Condenser.Formats;

namespace Condenser.Cli.Commands;

/// <summary><c>condenser formats</c>: what can be read and written.</summary>
internal static class FormatsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var c = new Command("formats", "list the formats Condenser reads and writes") { json };
        c.SetAction(r =>
        {
            if (r.GetValue(json))
            {
                var a = new JsonArray(FormatRegistry.Formats.Select(f => (JsonNode)new JsonObject
                {
                    ["name"] = f.Name,
                    ["description"] = f.Description,
                    ["extensions"] = new JsonArray(f.Extensions.Select(e => (JsonNode)e).ToArray()),
                    ["writes"] = FormatRegistry.Writers.Any(w => w.Name == f.Name),
                }).ToArray());
                Console.WriteLine(a.ToJsonString(Json.Options));
                return 0;
            }

            foreach (var f in FormatRegistry.Formats)
            {
                var w = FormatRegistry.Writers.Any(x => x.Name == f.Name) ? " (read, write)" : " (read)";
                Console.WriteLine($"{f.Name,-18} {string.Join(" ", f.Extensions),-28} {f.Description}{w}");
            }

            return 0;
        });
        return c;
    }
}
