using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Acquisition.Remote;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.MapReduce;
using Condenser.Server.Features.Instrument;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Condenser.Server.Tests;

/// <summary>The twin served over HTTP: the remote client gives what the twin in process gives, refusals included.</summary>
public sealed class InstrumentTests
{
    private sealed class Served : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Served(WebApplication app, DigitalTwin twin, string url)
        {
            _app = app;
            Twin = twin;
            Url = url;
            Client = new RemoteMicroscope(new Uri(url + "/"));
        }

        public DigitalTwin Twin { get; }

        public string Url { get; }

        public RemoteMicroscope Client { get; }

        public static async Task<Served> Start(TwinOptions options)
        {
            var twin = new DigitalTwin(options);
            var app = InstrumentServer.Build(twin, "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
            await app.StartAsync();
            var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Served(app, twin, url);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await _app.StopAsync();
            await _app.DisposeAsync();
            await Twin.DisposeAsync();
        }
    }

    private static async Task<List<(string Name, byte[] Bytes, string Axes, AcquisitionCost Cost)>> Session(IMicroscope m)
    {
        var results = new List<(string, byte[], string, AcquisitionCost)>();
        async Task Take(AcquisitionRequest r)
        {
            var a = await m.AcquireAsync(r);
            foreach (var d in a.Datasets)
            {
                results.Add(($"{d.Name} {d.Shape} {d.DType} {d.Metadata.Acquired} {d.OriginalMetadata.GetDouble("instrument", "dose_e_per_a2")}", d.ReadAll(), string.Join(";", d.Axes), a.Cost));
            }
        }

        await m.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 4, CameraLengthMm = 150 });
        await m.MoveStageAsync(new StageChange { XUm = -0.3, YUm = 0.2 });
        await Take(new AcquisitionRequest { Detector = DetectorKind.Haadf, Scan = new ScanSettings(10, -5, 40, 48, 32, 5) });
        await Take(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = new ScanSettings(0, 0, 10, 12, 10, 200), CameraPixels = 64 });
        await Take(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = new ScanSettings(0, 0, 10, 16, 16, 200), Positions = [3, 200, 17, 99], DwellsUs = [100, 300, 50, 1000], CameraPixels = 32 });
        await Take(new AcquisitionRequest { Detector = DetectorKind.Eels, Scan = new ScanSettings(0, 0, 5, 4, 3, 500) });
        await Take(new AcquisitionRequest { Detector = DetectorKind.Bf, Scan = new ScanSettings(0, 0, 5, 8, 8, 5), Angles = new DetectorAngles(0, 3) });
        return results;
    }

    [Fact]
    public async Task The_remote_client_and_the_twin_in_process_give_identical_data()
    {
        var options = new TwinOptions { Scene = "precipitates", Seed = 11 };
        await using var served = await Served.Start(options);
        await using var local = new DigitalTwin(options);
        var remote = await Session(served.Client);
        var here = await Session(local);
        Assert.Equal(here.Count, remote.Count);
        for (int i = 0; i < here.Count; i++)
        {
            Assert.Equal(here[i].Name, remote[i].Name);
            Assert.Equal(here[i].Axes, remote[i].Axes);
            Assert.True(here[i].Bytes.AsSpan().SequenceEqual(remote[i].Bytes), $"dataset {i} ({here[i].Name}) differs");
            Assert.Equal(here[i].Cost.InstrumentTimeS, remote[i].Cost.InstrumentTimeS);
            Assert.Equal(here[i].Cost.PositionDoseEPerA2, remote[i].Cost.PositionDoseEPerA2);
        }

        Assert.Equal(await local.GetStateAsync() is var s ? (s.ClockS, s.Acquisitions, s.Budget.UsedElectrons, s.Stage) : default,
            await served.Client.GetStateAsync() is var t ? (t.ClockS, t.Acquisitions, t.Budget.UsedElectrons, t.Stage) : default);
        var description = await served.Client.DescribeAsync();
        Assert.Equal(local.Description.Name, description.Name);
        Assert.Equal(local.Description.Limits.StageXyUm, description.Limits.StageXyUm);
    }

    [Fact]
    public async Task Refusals_come_back_as_the_instrument_s_own_exceptions()
    {
        await using var served = await Served.Start(new TwinOptions { Scene = "polycrystal" }.Ideal());
        var e = await Assert.ThrowsAsync<InterlockException>(() => served.Client.MoveStageAsync(new StageChange { XUm = 5000 }));
        Assert.Equal("stage.x_um", e.Limit);
        Assert.Contains("5000", e.Message);
        var request = new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = new ScanSettings(0, 0, 10, 8, 8, 100), CameraPixels = 32 };
        await served.Client.SetBudgetAsync(new ExperimentBudget(MaxTotalElectrons: 10));
        var b = await Assert.ThrowsAsync<BudgetExceededException>(() => served.Client.AcquireAsync(request));
        Assert.Equal("budget.max_total_electrons", b.Limit);
        Assert.Equal(0, (await served.Client.GetStateAsync()).Acquisitions);
        Assert.Equal("scan.pixels_x", (await Assert.ThrowsAsync<InterlockException>(() => served.Client.AcquireAsync(request with { Scan = request.Scan with { PixelsX = 0 } }))).Limit);

        using var http = new HttpClient { BaseAddress = new Uri(served.Url) };
        var bad = await http.PutAsync("/api/instrument/optics", new StringContent("{\"probe_current\": 5}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("probe_current", await bad.Content.ReadAsStringAsync());
        var garbage = await http.PostAsync("/api/instrument/acquisitions", new StringContent("not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/instrument/nothing")).StatusCode);
    }

    [Fact]
    public async Task Frames_reach_a_live_reduction_on_the_client_as_they_are_acquired()
    {
        await using var served = await Served.Start(new TwinOptions { Scene = "nanoparticles", Seed = 3 });
        var request = new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = new ScanSettings(0, 0, 30, 20, 16, 100), CameraPixels = 48 };
        var live = new PushedFrames(new FrameLayout(DType.UInt16, [16, 20], [48, 48]));
        var sums = new FrameSums();
        var reduction = LiveReduction.Start(live, [sums], workers: 2);
        var result = await served.Client.AcquireAsync(request, live);
        live.Complete();
        await reduction.Completion;
        Assert.Equal(320, reduction.Processed);
        var ds = result.Datasets[0];
        var frame = new byte[ds.FrameBytes];
        for (int i = 0; i < 320; i++)
        {
            ds.ReadFrame(i, frame);
            Assert.Equal(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(frame).ToArray().Sum(v => (double)v), sums.Sums[i]);
        }

        // Frames only to the live source: the result describes them and holds none.
        var live2 = new PushedFrames(new FrameLayout(DType.UInt16, [16, 20], [48, 48]));
        var count = Task.Run(async () =>
        {
            long n = 0;
            await foreach (var _ in live2.ReadAllAsync())
            {
                n++;
            }

            return n;
        });
        var streamed = await served.Client.AcquireAsync(request with { KeepFrames = false }, live2);
        live2.Complete();
        Assert.Equal(320, await count);
        Assert.Empty(streamed.Datasets);
        Assert.Equal(ds.Shape.ToString(), streamed.Streamed!.Shape.ToString());
        Assert.Equal(ds.Axes, streamed.Streamed.Axes);
    }

    [Fact]
    public async Task The_instrument_api_is_described_and_passes_redocly()
    {
        await using var served = await Served.Start(new TwinOptions());
        using var http = new HttpClient { BaseAddress = new Uri(served.Url) };
        var doc = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!.AsObject();
        var paths = doc["paths"]!.AsObject();
        foreach (var p in new[] { "/api/instrument", "/api/instrument/state", "/api/instrument/optics", "/api/instrument/stage", "/api/instrument/budget", "/api/instrument/acquisitions" })
        {
            Assert.True(paths.ContainsKey(p), $"{p} is not in the document");
        }

        Assert.NotNull(paths["/api/instrument/acquisitions"]!["post"]!["requestBody"]);
        await OpenApiTests.Lint(doc);
    }
}
