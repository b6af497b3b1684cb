using System.CommandLine;
using System.Diagnostics;
using Condenser.Processing.Analyses;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser com FILE -o OUT.emd --json</c>: centre of mass of every pattern (shift maps y, x and intensity); for
/// 2-d scans the detector-to-scan rotation, the DPC field in the scan frame, its divergence, curl and iDPC
/// (<see cref="CenterOfMassAnalysis"/>).
/// </summary>
internal static class CenterOfMassCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var center = new Option<string?>("--center") { Description = "CY:CX reference centre in detector pixels (default: the detected bright-field disk)" };
        var c = a.Create("com", "centre of mass of every diffraction pattern of a 4D-STEM scan, with DPC divergence, curl and iDPC for 2-d scans", center);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            var centerText = r.GetValue(center);
            var parameters = new CenterOfMassParameters(centerText is null ? null : AnalysisOptions.Pair(centerText, "--center"));
            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            var result = CenterOfMassAnalysis.Run(a.RunFor(r, ds), parameters);

            a.Finish(r, clock, outPath, result, () =>
            {
                if (!result.Datasets.Any(d => d.Name == CenterOfMassAnalysis.Idpc))
                {
                    return new() { ["figure"] = null };
                }

                int ny = ds.Shape.Navigation[0], nx = ds.Shape.Navigation[1];
                var field = Path.ChangeExtension(outPath, ".field.png");
                var (my, mx) = Condenser.Rendering.PngRenderer.WriteVectorField(field, result.Values(CenterOfMassAnalysis.FieldY), result.Values(CenterOfMassAnalysis.FieldX), ny, nx, ds.Axes[1]);
                return new()
                {
                    ["figure"] = Results.WriteFigure(outPath, ds, result.Values(CenterOfMassAnalysis.Idpc), "iDPC"),
                    ["field_figure"] = field,
                    ["field_figure_mean_removed"] = new System.Text.Json.Nodes.JsonArray(my, mx),
                };
            });
            return 0;
        }));
        return c;
    }
}
