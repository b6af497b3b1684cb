using System.Globalization;
using System.Runtime.InteropServices;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Formats.Emd;

namespace Condenser.Acquisition.Autopilot;

/// <summary>
/// A run's <c>map.emd</c>: the dataset <c>map</c> (the reconstruction on the grid, calibrated in nm) and
/// <c>uncertainty</c> (its standard error), described as an autopilot map of the instrument that made it, with the
/// run's settings in the original metadata group <c>autopilot</c> and the model it ended with in
/// <see cref="RunModel.Group"/> — what a later run's warm start reads back from the library.
/// </summary>
public static class RunMap
{
    /// <summary>Writes <paramref name="path"/>.</summary>
    /// <param name="path">The EMD file to write.</param>
    /// <param name="o">The run's options.</param>
    /// <param name="r">What it did.</param>
    /// <param name="instrument">The instrument's name.</param>
    /// <param name="optics">The optics it ran at (null when not known).</param>
    /// <param name="nrmse">Its error against the truth, when the truth is known.</param>
    public static IReadOnlyList<EmDataset> Write(string path, AutopilotOptions o, AutopilotResult r, string instrument, OpticsState? optics, double? nrmse = null)
    {
        double pixel = o.Scan.PixelNm;
        var axes = new[] { new Axis("y", o.Grid, pixel, o.CenterYNm - ((o.Grid - 1) / 2.0 * pixel), "nm"), new Axis("x", o.Grid, pixel, o.CenterXNm - ((o.Grid - 1) / 2.0 * pixel), "nm") };
        EmDataset Image(string name, double[] values)
        {
            var floats = values.Select(v => (float)v).ToArray();
            var ds = new EmDataset(name, new DatasetShape([], [o.Grid, o.Grid]), axes, DType.Float32, new MemoryStorage(MemoryMarshal.AsBytes(floats.AsSpan()).ToArray()), new Metadata
            {
                Title = name,
                SignalType = SignalTypes.Image,
                Technique = AutopilotRun.TechniqueOf(o.Target),
                Instrument = instrument,
                BeamEnergyKeV = optics?.HighTensionKv,
                ConvergenceAngleMrad = optics?.ConvergenceMrad,
                Acquired = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            });
            var g = ds.OriginalMetadata.Child("autopilot");
            g["policy"] = o.Policy.ToString();
            g["target"] = o.Target;
            if (o.Target == "strain")
            {
                g["strain_component"] = o.StrainComponent;
            }

            g["probes"] = r.Visits.Count;
            g["fraction"] = o.Fraction;
            g["dwell_us"] = o.DwellUs;
            g["grid"] = o.Grid;
            g["fov_nm"] = o.FovNm;
            g["seed"] = (long)o.Seed;
            g["decisions"] = r.Decisions;
            g["electrons"] = r.Electrons;
            if (nrmse is { } e && double.IsFinite(e))
            {
                g["nrmse"] = e;
            }

            if (o.Prior is { } prior)
            {
                g["warm_start"] = string.Join(" ", prior.Evidence.Select(x => x.RecordId));
            }

            if (name == "map")
            {
                r.Model?.WriteInto(ds.OriginalMetadata);
            }

            return ds;
        }

        var datasets = new[] { Image("map", r.Map), Image("uncertainty", r.Error) };
        new EmdWriter().Write(path, datasets);
        return datasets;
    }
}
