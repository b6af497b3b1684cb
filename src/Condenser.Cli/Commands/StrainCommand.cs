using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.MapReduce;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser strain FILE --reference Y0:Y1,X0:X1 -o OUT.emd</c>: Bragg disks in every pattern (template matching with
/// the bright-field disk of the mean pattern as probe), the lattice fitted per position, strain and rotation maps
/// against the mean lattice of the reference region.
/// </summary>
internal static class StrainCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var reference = new Option<string?>("--reference") { Description = "reference scan region Y0:Y1,X0:X1 (default: the whole scan)" };
        var spacing = new Option<double>("--min-spacing") { Description = "smallest distance between disks, detector pixels", DefaultValueFactory = _ => 5 };
        var threshold = new Option<double>("--min-intensity") { Description = "weakest disk kept, as a fraction of the strongest", DefaultValueFactory = _ => 0.02 };
        var c = a.Create("strain", "Bragg disk detection, lattice fitting and strain maps (εxx, εyy, εxy, rotation) of a 4D-STEM scan", reference, spacing, threshold);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            var (h, w) = FourDStemInputs.Detector(ds);
            if (ds.Shape.Navigation.Count != 2)
            {
                throw new ArgumentException($"{ds.Name}: strain maps need a 2-d scan");
            }

            int ny = ds.Shape.Navigation[0], nx = ds.Shape.Navigation[1];
            var mean = FourDStemInputs.SampledMeanPattern(ds);
            var disk = BrightFieldDisk.Detect(mean, w);
            var probe = new double[mean.Length];
            for (int i = 0; i < mean.Length; i++)
            {
                double dy = (i / w) - disk.CenterY, dx = (i % w) - disk.CenterX;
                probe[i] = Math.Sqrt((dy * dy) + (dx * dx)) <= disk.Radius + 1 ? mean[i] : 0;
            }

            var options = new BraggOptions(MinSpacing: r.GetValue(spacing), MinRelativeIntensity: r.GetValue(threshold));
            var finder = new BraggDisks(probe, h, w, options);
            var meanDisks = finder.Find(mean);
            var guess = Lattice.Guess(meanDisks, disk.CenterY, disk.CenterX, minLength: Math.Max(2, disk.Radius))
                ?? throw new ArgumentException($"{ds.Name}: no lattice found in the mean pattern (fewer than two non-collinear disks)");
            var baseLattice = guess.Refine(meanDisks) ?? guess;
            var bragg = new BraggDiskReducer(finder);
            a.Run(r, ds, "bragg disks", bragg, costPerByte: 20);
            var lattices = bragg.Peaks.Select(p => (p is null ? null : baseLattice.Refine(p))).ToArray();
            var (y0, y1, x0, x1) = AnalysisOptions.Region(r.GetValue(reference), ny, nx);
            var refLattice = Lattice.Mean(Enumerable.Range(y0, y1 - y0).SelectMany(y => Enumerable.Range(x0, x1 - x0).Select(x => lattices[(y * nx) + x])))
                ?? throw new ArgumentException("no pattern of the reference region could be indexed");
            var maps = new[] { "exx", "eyy", "exy", "rotation" }.Select(_ => new double[ds.FrameCount]).ToArray();
            var disks = new double[ds.FrameCount];
            for (int p = 0; p < ds.FrameCount; p++)
            {
                disks[p] = bragg.Peaks[p]?.Length ?? 0;
                var e = lattices[p]?.StrainRelativeTo(refLattice);
                maps[0][p] = e?.Exx ?? double.NaN;
                maps[1][p] = e?.Eyy ?? double.NaN;
                maps[2][p] = e?.Exy ?? double.NaN;
                maps[3][p] = e?.Rotation ?? double.NaN;
            }

            var parameters = new MetadataTree();
            parameters["reference_region"] = $"{y0}:{y1},{x0}:{x1}";
            parameters["min_spacing_px"] = options.MinSpacing;
            parameters["min_relative_intensity"] = options.MinRelativeIntensity;
            parameters["probe_radius_px"] = disk.Radius;
            parameters["g1_px"] = $"{refLattice.G1Y:G6},{refLattice.G1X:G6}";
            parameters["g2_px"] = $"{refLattice.G2Y:G6},{refLattice.G2X:G6}";
            var outPath = r.GetValue(a.Output)!;
            var result = a.Write(r, outPath, ds, [("strain exx", maps[0]), ("strain eyy", maps[1]), ("strain exy", maps[2]), ("rotation (rad)", maps[3]), ("disks found", disks)], "strain", parameters);
            var summary = AnalysisOptions.Summary(clock, result, outPath);
            summary["indexed_fraction"] = lattices.Count(l => l is not null) / (double)lattices.Length;
            summary["mean_disks"] = disks.Average();
            summary["g1"] = new JsonArray(refLattice.G1Y, refLattice.G1X);
            summary["g2"] = new JsonArray(refLattice.G2Y, refLattice.G2X);
            summary["figure"] = Results.WriteFigure(outPath, ds, maps[0], "εxx");
            Results.Report(r.GetValue(a.Json), summary, clock);
            return 0;
        }));
        return c;
    }
}
