using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Condenser.Acquisition.Autopilot;
using Condenser.Catalog.Access;

namespace Condenser.Server.Tests;

/// <summary>Autonomous runs through the API: started, followed, stopped and resumed, the map recorded in the library; roles and bad requests.</summary>
public sealed class AutopilotApiTests
{
    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> Until(HttpClient c, string id, Func<JsonNode, bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var run = JsonNode.Parse(await c.GetStringAsync($"/api/autopilot/runs/{id}"))!;
            if (done(run))
            {
                return run;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"run {id} is still {run["state"]} with {run["probes"]} probes");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_run_started_through_the_api_is_followed_to_its_map_and_recorded_in_the_library()
    {
        await using var host = await ServerHost.Start("sqlite");
        using var admin = host.Client(host.Catalog.Users.Add("admin", Role.Admin, "Lab").Token);
        using var viewer = host.Client(host.Catalog.Users.Add("viewer", Role.Viewer, "Lab").Token);
        using var anonymous = host.Client();
        const string request = """{"scene": "nanoparticles", "seed": 2, "policy": "gp-variance", "fraction": 0.2, "grid": 24, "fov_nm": 100, "convergence_mrad": 2}""";

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/autopilot/runs", Body(request))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/autopilot/runs", Body(request))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/autopilot/runs")).StatusCode);

        var created = await admin.PostAsync("/api/autopilot/runs", Body(request));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        var run = await Until(admin, id, r => r["state"]!.GetValue<string>() != "running");
        Assert.Equal("finished", run["state"]!.GetValue<string>());
        Assert.Equal(115, run["probes"]!.GetValue<int>());
        Assert.Equal(115, run["planned"]!.GetValue<int>());
        Assert.InRange(run["nrmse"]!.GetValue<double>(), 1e-6, 1);

        var map = JsonNode.Parse(await viewer.GetStringAsync($"/api/autopilot/runs/{id}/map"))!;
        Assert.Equal(24 * 24, map["mean"]!.AsArray().Count);
        Assert.Equal(24 * 24, map["std"]!.AsArray().Count);
        var positions = map["positions"]!.AsArray().Select(p => p!.GetValue<int>()).ToList();
        Assert.Equal(115, positions.Distinct().Count());
        Assert.Contains(JsonNode.Parse(await viewer.GetStringAsync("/api/autopilot/runs"))!.AsArray(), r => r!["id"]!.GetValue<string>() == id);

        // The map is in the library, described as an autopilot map with the model it ended with.
        var record = host.Catalog.Get(run["record"]!.GetValue<string>(), Principal.Local);
        Assert.Equal(AutopilotRun.Technique, record.Technique);
        Assert.Equal("nanoparticles", record.Sample);
        Assert.NotNull(RunModel.FromJson(JsonNode.Parse(record.Info)!["original_metadata"]));

        // A finished run does not resume; unknown runs are 404; bad requests are 400 naming what is wrong.
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PutAsync($"/api/autopilot/runs/{id}/state", Body("""{"state": "running"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/autopilot/runs/nosuchrun")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync($"/api/autopilot/runs/{id}/state", Body("""{"state": "paused"}"""))).StatusCode);
        var bad = await admin.PostAsync("/api/autopilot/runs", Body("""{"policy": "magic"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("magic", await bad.Content.ReadAsStringAsync());
        bad = await admin.PostAsync("/api/autopilot/runs", Body("""{"policy": "raster", "target": "strain", "strain_component": "shear"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("shear", await bad.Content.ReadAsStringAsync());
        bad = await admin.PostAsync("/api/autopilot/runs", Body("""{"policy": "raster", "colour": "red"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        bad = await admin.PostAsync("/api/autopilot/runs", Body("""{"policy": "raster", "grid": 1000}"""));
        Assert.Contains("256", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_run_stopped_through_the_api_resumes_from_its_log_and_acquires_nothing_twice()
    {
        await using var host = await ServerHost.Start("sqlite");
        using var admin = host.Client(host.Catalog.Users.Add("operator", Role.Contributor, "Lab", ["autopilot"]).Token);
        var created = await admin.PostAsync("/api/autopilot/runs", Body("""{"scene": "nanoparticles", "seed": 3, "policy": "gp-ucb", "fraction": 0.4, "grid": 40, "fov_nm": 100, "convergence_mrad": 2}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await Until(admin, id, r => r["probes"]!.GetValue<int>() >= 100 || r["state"]!.GetValue<string>() != "running");

        var stopped = JsonNode.Parse(await (await admin.PutAsync($"/api/autopilot/runs/{id}/state", Body("""{"state": "stopped"}"""))).Content.ReadAsStringAsync())!;
        Assert.Equal("stopped", stopped["state"]!.GetValue<string>());
        int before = stopped["probes"]!.GetValue<int>();
        Assert.InRange(before, 100, 639);

        // The live map of the stopped run shows what was acquired.
        var map = JsonNode.Parse(await admin.GetStringAsync($"/api/autopilot/runs/{id}/map"))!;
        Assert.Equal(before, map["positions"]!.AsArray().Count);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/autopilot/runs/{id}/state", Body("""{"state": "running"}"""))).StatusCode);
        var run = await Until(admin, id, r => r["state"]!.GetValue<string>() != "running");
        Assert.Equal("finished", run["state"]!.GetValue<string>());
        Assert.Equal(640, run["probes"]!.GetValue<int>());
        map = JsonNode.Parse(await admin.GetStringAsync($"/api/autopilot/runs/{id}/map"))!;
        var positions = map["positions"]!.AsArray().Select(p => p!.GetValue<int>()).ToList();
        Assert.Equal(640, positions.Count);
        Assert.Equal(640, positions.Distinct().Count());
        Assert.NotNull(run["record"]);
    }
}
