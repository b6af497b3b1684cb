using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Learning.Analyses;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser decompose FILE --method pca|nmf --components K -o OUT.emd</c>: PCA (streamed covariance, scree,
/// loadings, score maps, denoised reconstruction) or NMF (components and their maps) of a spectrum image
/// (<see cref="DecompositionAnalysis"/>).
/// </summary>
internal static class DecomposeCommand
{
    public static Command Create()
    {
        var a = new AnalysisOptions();
        var method = new Option<string>("--method") { Description = "pca or nmf", DefaultValueFactory = _ => "pca" };
        var components = new Option<int>("--components", "-k") { Description = "components kept (maps, reconstruction)", DefaultValueFactory = _ => 4 };
        var denoise = new Option<bool>("--denoised") { Description = "PCA: also write the spectrum image rebuilt from the kept components" };
        var c = a.Create("decompose", "PCA or NMF of a spectrum image (EELS, EDS): components, their maps, scree plot, denoised data", method, components, denoise);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            var parameters = new DecompositionParameters(DecompositionParameters.ParseMethod(r.GetValue(method)!), r.GetValue(components), r.GetValue(denoise));
            var result = DecompositionAnalysis.Run(a.RunFor(r, ds), parameters);
            a.Finish(r, clock, outPath, result, () =>
            {
                var details = new JsonObject();
                if (result.Datasets.Any(d => d.Name == DecompositionAnalysis.Scree))
                {
                    var scree = Path.ChangeExtension(outPath, ".scree.png");
                    var shown = Condenser.Rendering.LinePlot.WriteScree(scree, result.Values(DecompositionAnalysis.Scree));
                    details["scree"] = scree;
                    details["scree_components_drawn"] = shown;
                }

                var first = result.Datasets[0];
                details["figure"] = Results.WriteFigure(outPath, ds, result.Values(first.Name), first.Name);
                return details;
            });
            return 0;
        }));
        return c;
    }
}
