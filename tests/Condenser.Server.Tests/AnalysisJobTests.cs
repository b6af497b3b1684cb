using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Data;
using Condenser.Formats;
using Condenser.Server.Features.Analyses;
using Microsoft.Extensions.DependencyInjection;

namespace Condenser.Server.Tests;

/// <summary>Analyses run from the API: a job with server-sent progress and cancellation, its results stored as records linked to the input, a contributor's right, audited.</summary>
public class AnalysisJobTests
{
    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The job's server-sent events until the stream ends.</summary>
    private static async Task<List<JsonObject>> Events(HttpClient http, string job)
    {
        using var r = await http.GetAsync($"/api/jobs/{job}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await r.Content.ReadAsStreamAsync());
        var events = new List<JsonObject>();
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "job")
            {
                events.Add(JsonNode.Parse(line[6..])!.AsObject());
            }
        }

        return events;
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public async Task AJobRunsFollowsAndStoresLinkedRecords(string backend)
    {
        await using var host = await ServerHost.Start(backend);
        var c = host.Catalog;
        var (ada, adaToken) = c.Users.Add("ada", Role.Contributor, "Lab A", ["alpha"]);
        var veraToken = c.Users.Add("vera", Role.Viewer, "Lab A", ["alpha"]).Token;
        var bobToken = c.Users.Add("bob", Role.Contributor, "Lab A", ["beta"]).Token; // reads the record (institution), contributes elsewhere
        var dir = host.Library.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr");
        var input = c.Ingestor.IngestPaths([dir], c.Users.PrincipalOf(ada.Id)!, new IngestOptions { Project = "alpha", Visibility = Visibility.Institution }).Single().Ids.Single();
        using var http = host.Client(adaToken);

        var started = await http.PostAsync($"/api/datasets/{input}/analyses", Body("""{"analysis": "virtual-image", "parameters": {"shape": "disk", "center": [128, 128], "outer": 60}}"""));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = JsonNode.Parse(await started.Content.ReadAsStringAsync())!;
        var jobId = job["id"]!.GetValue<string>();
        Assert.Equal($"/api/jobs/{jobId}", started.Headers.Location!.OriginalString);

        var events = await Events(http, jobId);
        var last = events[^1];
        Assert.Equal("done", last["state"]!.GetValue<string>());
        Assert.Equal(1.0, last["progress"]!.GetValue<double>());
        var record = Assert.Single(last["records"]!.AsArray())!.GetValue<string>();

        // The result is a record of its own, with a preview, linked to its input both ways.
        var lineage = JsonNode.Parse(await http.GetStringAsync($"/api/datasets/{record}/lineage"))!;
        Assert.Equal(input, Assert.Single(lineage["made_from"]!.AsArray())!["id"]!.GetValue<string>());
        Assert.Equal("virtual-image", lineage["analysis"]!.GetValue<string>());
        var down = JsonNode.Parse(await http.GetStringAsync($"/api/datasets/{input}/lineage"))!;
        Assert.Contains(down["made_into"]!.AsArray(), l => l!["id"]!.GetValue<string>() == record);
        var png = await http.GetAsync($"/api/datasets/{record}/preview.png");
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);

        // Its values are the viewer's disk detector, and the sum over r < 60 px of each frame.
        var stored = c.Get(record, Principal.Local);
        using (var result = c.OpenFile(stored))
        using (var raw = FormatRegistry.Open(Path.Combine(dir, "001_4x2_6bit.mib")))
        {
            var values = MemoryMarshal.Cast<byte, double>(result.Datasets[0].ReadAll()).ToArray();
            var view = await http.GetAsync($"/api/datasets/{input}/view/virtual?shape=disk&cy=128&cx=128&r_out=60");
            Assert.Equal(values.Select(v => (float)v), MemoryMarshal.Cast<byte, float>(await view.Content.ReadAsByteArrayAsync()).ToArray());
            var ds = raw.Datasets[0];
            var bytes = new byte[ds.FrameBytes];
            var frame = new double[ds.Shape.SignalCount];
            for (int p = 0; p < values.Length; p++)
            {
                ds.ReadFrame(p, bytes);
                ds.DType.ReadInto(bytes, frame);
                double sum = 0;
                for (int i = 0; i < frame.Length; i++)
                {
                    int y = i / 256, x = i % 256;
                    sum += ((y - 128) * (y - 128)) + ((x - 128) * (x - 128)) < 3600 ? frame[i] : 0;
                }

                Assert.Equal(sum, values[p]);
            }
        }

        var analyses = JsonNode.Parse(await http.GetStringAsync($"/api/datasets/{input}/analyses"))!.AsArray();
        Assert.Contains(analyses, a => a!["name"]!.GetValue<string>() == "virtual-image" && a["outputs"]!.GetValue<string>().Contains(record, StringComparison.Ordinal));
        using var admin = host.Client(c.Users.Add("root", Role.Admin, "Lab A").Token);
        var audit = await admin.GetStringAsync($"/api/audit?dataset={input}");
        Assert.Contains("analysis-start", audit, StringComparison.Ordinal);

        // Refusals: viewers, the anonymous (to whom the record does not exist), unknown analyses; a job is its starter's.
        using var vera = host.Client(veraToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await vera.PostAsync($"/api/datasets/{input}/analyses", Body("""{"analysis": "com"}"""))).StatusCode);
        using var anonymous = host.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync($"/api/datasets/{input}/analyses", Body("""{"analysis": "com"}"""))).StatusCode);
        var unknown = await http.PostAsync($"/api/datasets/{input}/analyses", Body("""{"analysis": "sharpen"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("sharpen", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var bob = host.Client(bobToken);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/jobs/{jobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/jobs/{jobId}/events")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync($"/api/datasets/{input}/analyses", Body("""{"analysis": "com"}"""))).StatusCode);

        // Bad parameters: the job fails and says which.
        var bad = JsonNode.Parse(await (await http.PostAsync($"/api/datasets/{input}/analyses", Body("""{"analysis": "virtual-image", "parameters": {"outer": 10, "radius": 3}}"""))).Content.ReadAsStringAsync())!;
        var failed = (await Events(http, bad["id"]!.GetValue<string>()))[^1];
        Assert.Equal("failed", failed["state"]!.GetValue<string>());
        Assert.Contains("'radius'", failed["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, JsonNode.Parse(await http.GetStringAsync("/api/jobs"))!.AsArray().Count);
    }

    [Fact]
    public async Task AQueuedJobIsCancelledAndStoresNothing()
    {
        await using var host = await ServerHost.Start("sqlite");
        var c = host.Catalog;
        var (ada, adaToken) = c.Users.Add("ada", Role.Contributor, "Lab A", ["alpha"]);
        var dir = host.Library.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr");
        var input = c.Ingestor.IngestPaths([dir], c.Users.PrincipalOf(ada.Id)!, new IngestOptions { Project = "alpha" }).Single().Ids.Single();
        using var http = host.Client(adaToken);
        long records = c.Search(new Catalog.Search.SearchQuery(), Principal.Local).Total;

        var jobs = host.Services.GetRequiredService<AnalysisJobs>();
        using (await jobs.HoldSlotAsync())
        {
            var job = JsonNode.Parse(await (await http.PostAsync($"/api/datasets/{input}/analyses", Body("""{"analysis": "com"}"""))).Content.ReadAsStringAsync())!;
            var id = job["id"]!.GetValue<string>();
            Assert.Equal("queued", JsonNode.Parse(await http.GetStringAsync($"/api/jobs/{id}"))!["state"]!.GetValue<string>());
            var cancelled = JsonNode.Parse(await (await http.DeleteAsync($"/api/jobs/{id}")).Content.ReadAsStringAsync())!;
            Assert.Equal("cancelled", cancelled["state"]!.GetValue<string>());
            Assert.Equal("cancelled", (await Events(http, id))[^1]["state"]!.GetValue<string>());
            Assert.Empty(cancelled["records"]!.AsArray());
        }

        Assert.Equal(records, c.Search(new Catalog.Search.SearchQuery(), Principal.Local).Total);
        Assert.DoesNotContain(c.Analyses(input, Principal.Local), a => a.Name == "com");
        using var admin = host.Client(c.Users.Add("root", Role.Admin, "Lab A").Token);
        Assert.Contains("analysis-cancel", await admin.GetStringAsync($"/api/audit?dataset={input}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADetectorCalibratedInMradIsOfferedAndSavedInMrad()
    {
        await using var host = await ServerHost.Start("sqlite");
        var c = host.Catalog;
        var (ada, adaToken) = c.Users.Add("ada", Role.Contributor, "Lab A", ["alpha"]);

        // A 3 × 4 scan of 32² patterns on a detector of 0.5 mrad per pixel.
        var values = new double[3 * 4 * 32 * 32];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i * 7) % 13;
        }

        var md = new Metadata { SignalType = SignalTypes.FourDStem, BeamEnergyKeV = 200 };
        using var scan = Condenser.Processing.Analyses.ResultDatasets.Float64("scan", new DatasetShape([3, 4], [32, 32]),
            [Axis.Plain("y", 3, true), Axis.Plain("x", 4, true), new Axis("ky", 32, 0.5, -8, "mrad"), new Axis("kx", 32, 0.5, -8, "mrad")], values, md);
        var path = Path.Combine(host.Library.Folder, "calibrated.emd");
        FormatRegistry.WriterFor(path).Write(path, [scan]);
        var input = c.Ingestor.IngestFile(path, c.Users.PrincipalOf(ada.Id)!, new IngestOptions { Project = "alpha" }).Ids.Single();
        using var http = host.Client(adaToken);

        var mean = await http.GetAsync($"/api/datasets/{input}/view/mean");
        Assert.Equal(0.5, double.Parse(mean.Headers.GetValues("X-Mrad-Per-Pixel").Single(), System.Globalization.CultureInfo.InvariantCulture));

        var job = JsonNode.Parse(await (await http.PostAsync($"/api/datasets/{input}/analyses", Body("""{"analysis": "virtual-image", "parameters": {"shape": "disk", "center": [16, 16], "outer": 4, "units": "mrad"}}"""))).Content.ReadAsStringAsync())!;
        var done = (await Events(http, job["id"]!.GetValue<string>()))[^1];
        Assert.Equal("done", done["state"]!.GetValue<string>());
        var row = c.Analyses(input, Principal.Local).Single(a => a.Name == "virtual-image" && a.Provenance is not null && a.Outputs.Contains("records", StringComparison.Ordinal));
        var parameters = JsonNode.Parse(row.Parameters)!;
        Assert.Equal((8.0, "mrad"), (parameters["annulus_outer_px"]!.GetValue<double>(), parameters["radii_given_in"]!.GetValue<string>()));

        // An uncalibrated detector says nothing of mrad.
        var dir = host.Library.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr");
        var mib = c.Ingestor.IngestPaths([dir], c.Users.PrincipalOf(ada.Id)!, new IngestOptions { Project = "alpha" }).Single().Ids.Single();
        Assert.False((await http.GetAsync($"/api/datasets/{mib}/view/mean")).Headers.Contains("X-Mrad-Per-Pixel"));
    }
}
