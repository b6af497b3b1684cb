using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Formats;
using Condenser.Processing.MapReduce;
using Condenser.Learning.Decomposition;
using Condenser.Processing.SpectrumImaging;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser decompose FILE --method pca|nmf --components K -o OUT.emd</c>: PCA (streamed covariance, scree,
/// loadings, score maps, denoised reconstruction) or NMF (components and their maps) of a spectrum image.
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
            int channels = SpectrumInputs.Channels(ds);
            int k = r.GetValue(components);
            if (k < 1 || k > channels)
            {
                throw new ArgumentException($"--components {k}: between 1 and {channels}");
            }

            var outPath = r.GetValue(a.Output)!;
            var parameters = new MetadataTree();
            parameters["method"] = r.GetValue(method);
            parameters["components"] = k;
            var details = new JsonObject();
            var energy = ds.Axes[^1] with { Navigate = false };
            var sets = new List<(string, double[])>();
            var spectra = new List<(string, double[])>();
            EmDataset? denoised = null;
            switch (r.GetValue(method))
            {
                case "pca":
                {
                    Pca pca;
                    if (ds.FrameCount >= channels)
                    {
                        pca = new Pca(channels);
                        a.Run(r, ds, "covariance", pca);
                    }
                    else
                    {
                        pca = Pca.FromSpectra(SpectrumInputs.ReadSpectra(ds));
                    }

                    k = Math.Min(k, pca.SingularValues.Length);
                    var scores = new PcaScores(pca, k);
                    a.Run(r, ds, "scores", scores);
                    for (int j = 0; j < k; j++)
                    {
                        sets.Add(($"score {j}", scores.Scores[j]));
                        spectra.Add(($"loading {j}", pca.Loadings[j]));
                    }

                    spectra.Add(("mean spectrum", pca.Mean));
                    details["singular_values"] = new JsonArray(pca.SingularValues.Take(Math.Min(20, pca.SingularValues.Length)).Select(v => (JsonNode)v).ToArray());
                    details["explained_variance_ratio"] = new JsonArray(pca.ExplainedVarianceRatio.Take(Math.Min(20, pca.ExplainedVarianceRatio.Length)).Select(v => (JsonNode)v).ToArray());
                    var scree = Path.ChangeExtension(outPath, ".scree.png");
                    var ratios = pca.ExplainedVarianceRatio.Take(Math.Min(50, pca.ExplainedVarianceRatio.Length)).Select(v => Math.Log10(Math.Max(v, 1e-16))).ToArray();
                    Condenser.Rendering.PngRenderer.Write(new Condenser.Processing.Imaging.PreviewImage(ratios.Length, 1, ratios, null, new Axis("component", ratios.Length, 1, 0, ""), "log10 explained variance ratio"), scree, log: false);
                    details["scree"] = scree;
                    denoised = r.GetValue(denoise) ? pca.Denoised(ds, k) : null;
                    break;
                }

                case "nmf":
                {
                    var rows = SpectrumInputs.ReadSpectra(ds);
                    var (weights, comps, error) = Nmf.Factorize(rows, k);
                    for (int j = 0; j < k; j++)
                    {
                        sets.Add(($"weight {j}", weights.Select(w => w[j]).ToArray()));
                        spectra.Add(($"component {j}", comps[j]));
                    }

                    details["relative_error"] = error;
                    break;
                }

                default:
                    throw new ArgumentException($"--method '{r.GetValue(method)}': expected pca or nmf");
            }

            var result = a.Write(r, outPath, ds, sets, "decompose", parameters,
                spectra.Select(s => Condenser.Processing.Analyses.ResultDatasets.Spectrum(s.Item1, s.Item2, energy, ds.Metadata)).Concat(denoised is null ? [] : [denoised]).ToList());
            details["figure"] = Results.WriteFigure(outPath, ds, sets[0].Item2, sets[0].Item1);
            Results.Report(r.GetValue(a.Json), AnalysisOptions.Summary(clock, result, outPath, details), clock);
            return 0;
        }));
        return c;
    }
}
