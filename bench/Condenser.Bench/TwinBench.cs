using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Acquisition.Remote;
using Condenser.Data;
using Condenser.Processing.MapReduce;
using Condenser.Server.Features.Instrument;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Condenser.Bench;

/// <summary>
/// The measurements behind <c>condenser bench twin</c>: how fast the digital twin simulates 4D-STEM scans (probes per
/// second against scan and frame size), a 1024² HAADF overview, and how fast a served twin streams frames to a remote
/// client on loopback. Wall-clock times of what a user waits for, each the best of a few runs.
/// </summary>
public static class TwinBench
{
    /// <summary>Runs the twin's benchmarks; <paramref name="full"/> adds the 256 × 256 × 128 × 128 scan of the target.</summary>
    public static async Task<JsonObject> RunAsync(bool full, int repeats = 2)
    {
        var fourD = new JsonArray();
        var sizes = new List<(int Scan, int Camera)> { (64, 64), (64, 128), (64, 256), (128, 128) };
        if (full)
        {
            sizes.Add((256, 128));
        }

        foreach (var (scan, camera) in sizes)
        {
            double best = double.MaxValue;
            for (int i = 0; i < (scan >= 256 ? 1 : repeats); i++)
            {
                await using var twin = new DigitalTwin(new TwinOptions { Scene = "precipitates", Seed = 1 });
                await twin.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 2 });
                var sw = Stopwatch.StartNew();
                await twin.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = new ScanSettings(-600, -600, 100, scan, scan, 1000), CameraPixels = camera, KeepFrames = false });
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }

            fourD.Add(new JsonObject
            {
                ["scan"] = $"{scan}x{scan}",
                ["camera"] = $"{camera}x{camera}",
                ["seconds"] = Math.Round(best, 3),
                ["probes_per_s"] = Math.Round(scan * scan / best),
                ["camera_pixels_per_s"] = Math.Round((double)scan * scan * camera * camera / best),
            });
        }

        var overview = new JsonObject();
        foreach (var scene in Scenes.Names)
        {
            await using var twin = new DigitalTwin(new TwinOptions { Scene = scene, Seed = 1 });
            double best = double.MaxValue;
            for (int i = 0; i < repeats; i++)
            {
                var sw = Stopwatch.StartNew();
                await twin.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.Haadf, Scan = new ScanSettings(0, 0, 2000, 1024, 1024, 10) });
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }

            overview[scene] = Math.Round(best, 3);
        }

        var stream = new JsonArray();
        foreach (int camera in new[] { 128, 256 })
        {
            stream.Add(await StreamAsync(camera, repeats + 2));
        }

        return new JsonObject
        {
            ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
            ["fourd_stem"] = fourD,
            ["haadf_1024_overview_s"] = overview,
            ["stream"] = stream,
        };
    }

    /// <summary>A served twin streams a 4D-STEM scan to a remote client on loopback (frames not kept: the wire and the simulation).</summary>
    private static async Task<JsonObject> StreamAsync(int camera, int repeats)
    {
        var twin = new DigitalTwin(new TwinOptions { Scene = "precipitates", Seed = 1 });
        var app = InstrumentServer.Build(twin, "http://127.0.0.1:0", l => l.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        try
        {
            var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            await using var remote = new RemoteMicroscope(new Uri(url + "/"));
            // A fast camera at a low dose (0.5 pA, 10 µs: ~30 electrons a frame), as a 4D-STEM scan at tens of kHz.
            await remote.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 2, ProbeCurrentPa = 0.5 });
            int scan = camera >= 256 ? 96 : 192;
            long frameBytes = (long)camera * camera * 2;
            double best = double.MaxValue;
            for (int i = 0; i < repeats; i++)
            {
                var live = new PushedFrames(new FrameLayout(DType.UInt16, [scan, scan], [camera, camera]), capacity: 256);
                long received = 0;
                var consumer = Task.Run(async () =>
                {
                    await foreach (var (_, frame) in live.ReadAllAsync())
                    {
                        received += frame.Length;
                    }
                });
                var sw = Stopwatch.StartNew();
                await remote.AcquireAsync(new AcquisitionRequest { Detector = DetectorKind.FourDStem, Scan = new ScanSettings(-600, -600, 100, scan, scan, 10), CameraPixels = camera, KeepFrames = false }, live);
                live.Complete();
                await consumer;
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
                if (received != frameBytes * scan * scan)
                {
                    throw new InvalidOperationException($"received {received} bytes of {frameBytes * scan * scan}");
                }
            }

            return new JsonObject
            {
                ["camera"] = $"{camera}x{camera}",
                ["frames"] = scan * scan,
                ["seconds"] = Math.Round(best, 3),
                ["gb_per_s"] = Math.Round(frameBytes * scan * scan / best / 1e9, 3),
                ["frames_per_s"] = Math.Round(scan * scan / best),
            };
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await twin.DisposeAsync();
        }
    }
}
