using Condenser.Acquisition.Instrument;
using Condenser.Formats.Emd;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>
/// The twin's acquisitions for the demo library: an overview HAADF of each scene, a 4D-STEM scan of the strained
/// matrix beside a precipitate, and an EELS spectrum image across the oxide interface — realistic data a newcomer
/// can open, search and analyse.
/// </summary>
public static class DemoSession
{
    /// <summary>Writes the demo acquisitions as EMD files into <paramref name="folder"/> (files already there are kept) and returns their paths.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(string folder, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        async Task Save(string name, TwinOptions options, Func<DigitalTwin, Task<AcquisitionResult>> acquire)
        {
            var path = Path.Combine(folder, name);
            paths.Add(path);
            if (File.Exists(path))
            {
                return;
            }

            await using var twin = new DigitalTwin(options);
            var result = await acquire(twin).ConfigureAwait(false);
            var temporary = path + ".partial";
            new EmdWriter().Write(temporary, result.Datasets);
            File.Move(temporary, path, overwrite: true);
        }

        foreach (var scene in Scenes.Names)
        {
            await Save($"twin-{scene}-overview-haadf.emd", new TwinOptions { Scene = scene, Seed = 1 }, t => t.AcquireAsync(new AcquisitionRequest
            {
                Detector = DetectorKind.Haadf,
                Scan = new ScanSettings(0, 0, 2000, 512, 512, 10),
            }, null, cancel)).ConfigureAwait(false);
        }

        var precipitates = new TwinOptions { Scene = "precipitates", Seed = 1 };
        var plate = Scenes.Create(precipitates.Scene, precipitates.Seed).Features.First(f => f.Kind == "precipitate" && f.SizeNm > 30);
        await Save("twin-precipitates-strain-4dstem.emd", precipitates, async t =>
        {
            await t.SetOpticsAsync(new OpticsChange { ConvergenceMrad = 1.5 }, cancel).ConfigureAwait(false);
            return await t.AcquireAsync(new AcquisitionRequest
            {
                Detector = DetectorKind.FourDStem,
                Scan = new ScanSettings(plate.XNm, plate.YNm, 60, 32, 32, 1000),
                CameraPixels = 64,
            }, null, cancel).ConfigureAwait(false);
        }).ConfigureAwait(false);
        await Save("twin-oxide-interface-eels.emd", new TwinOptions { Scene = "oxide-interface", Seed = 1 }, t => t.AcquireAsync(new AcquisitionRequest
        {
            Detector = DetectorKind.Eels,
            Scan = new ScanSettings(0, 0, 8, 24, 24, 2000),
        }, null, cancel)).ConfigureAwait(false);
        return paths;
    }
}
