using System.Text.Json.Nodes;

namespace Condenser.Server.Tests;

/// <summary><c>serve --demo</c> puts the digital twin's acquisitions in the library, beside the demo files.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task The_demo_library_holds_the_twin_s_overviews_a_strained_4d_stem_scan_and_an_eels_spectrum_image()
    {
        using var lib = TestLibrary.Create("sqlite");
        var files = Directory.CreateTempSubdirectory("condenser-demo-files-").FullName; // no test files: the twin's acquisitions alone
        try
        {
            using var server = await ServerProcess.Start(new Dictionary<string, string> { ["CONDENSER_DEMO_DATA"] = files }, lib.Folder, null, "--demo");
            using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
            JsonArray items = [];
            for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(500))
            {
                items = JsonNode.Parse(await http.GetStringAsync("/api/datasets?page_size=50"))!["items"]!.AsArray();
                if (items.Count >= 6)
                {
                    break;
                }
            }

            Assert.True(items.Count == 6, $"{items.Count} records: {server.Log}");
            Assert.All(items, i => Assert.StartsWith("Condenser digital twin", i!["instrument"]!.GetValue<string>()));
            var types = items.Select(i => i!["signal_type"]!.GetValue<string>()).ToList();
            Assert.Equal(4, types.Count(t => t == "image"));
            Assert.Contains("4d_stem", types);
            Assert.Contains("spectrum_image", types);
            Assert.All(items, i => Assert.Equal(200, i!["beam_energy_kev"]!.GetValue<double>()));
        }
        finally
        {
            Directory.Delete(files, recursive: true);
        }
    }
}
