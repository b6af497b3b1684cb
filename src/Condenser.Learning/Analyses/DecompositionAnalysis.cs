using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Learning.Decomposition;
using Condenser.Processing.Analyses;
using Condenser.Processing.SpectrumImaging;

namespace Condenser.Learning.Analyses;

/// <summary>How a spectrum image is decomposed.</summary>
public enum DecompositionMethod
{
    /// <summary>Principal components of the streamed covariance: loadings, score maps, scree, denoised data.</summary>
    Pca,

    /// <summary>Non-negative matrix factorisation: components and their weight maps.</summary>
    Nmf,
}

/// <summary>The parameters of a decomposition.</summary>
/// <param name="Method">PCA or NMF.</param>
/// <param name="Components">Components kept (1 ≤ k ≤ channels).</param>
/// <param name="Denoised">PCA: also return the spectrum image rebuilt from the kept components.</param>
public sealed record DecompositionParameters(DecompositionMethod Method = DecompositionMethod.Pca, int Components = 4, bool Denoised = false)
{
    /// <summary>The method from its name (pca or nmf).</summary>
    public static DecompositionMethod ParseMethod(string name) => name switch
    {
        "pca" => DecompositionMethod.Pca,
        "nmf" => DecompositionMethod.Nmf,
        _ => throw new ArgumentException($"decomposition method '{name}': expected pca or nmf"),
    };
}

/// <summary>
/// PCA or NMF of a spectrum image (EELS, EDS). PCA: the covariance streamed in one pass (or the spectra in memory
/// when there are fewer positions than channels), score maps in a second pass, loadings and the mean spectrum,
/// singular values and explained variance ratios, optionally the denoised data. NMF: weight maps and components.
/// </summary>
public static class DecompositionAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "decompose";

    /// <summary>Version of the method.</summary>
    public const int Version = 1;

    /// <summary>Runs the analysis.</summary>
    public static AnalysisResult Run(AnalysisRun run, DecompositionParameters p)
    {
        var ds = run.Dataset;
        int channels = SpectrumInputs.Channels(ds);
        int k = p.Components;
        if (k < 1 || k > channels)
        {
            throw new ArgumentException($"{k} components: between 1 and the {channels} channels");
        }

        var parameters = new MetadataTree();
        parameters["method"] = p.Method.ToString().ToLowerInvariant();
        parameters["components"] = k;
        var summary = new JsonObject();
        var energy = ds.Axes[^1] with { Navigate = false };
        var maps = new List<(string Title, double[] Values)>();
        var spectra = new List<(string Title, double[] Values)>();
        var extra = new List<EmDataset>();
        if (p.Method == DecompositionMethod.Pca)
        {
            Pca pca;
            if (ds.FrameCount >= channels)
            {
                pca = new Pca(channels);
                run.Pass("covariance", [pca]);
            }
            else
            {
                pca = Pca.FromSpectra(SpectrumInputs.ReadSpectra(ds));
            }

            k = Math.Min(k, pca.SingularValues.Length);
            var scores = new PcaScores(pca, k);
            run.Pass("scores", [scores]);
            for (int j = 0; j < k; j++)
            {
                maps.Add(($"score {j}", scores.Scores[j]));
                spectra.Add(($"loading {j}", pca.Loadings[j]));
            }

            spectra.Add(("mean spectrum", pca.Mean));
            summary["singular_values"] = new JsonArray(pca.SingularValues.Take(20).Select(v => (JsonNode)v).ToArray());
            summary["explained_variance_ratio"] = new JsonArray(pca.ExplainedVarianceRatio.Take(20).Select(v => (JsonNode)v).ToArray());
            // The scree (log10 of the explained variance ratio of the first 50 components), the figure's values.
            var ratios = pca.ExplainedVarianceRatio.Take(50).Select(v => Math.Log10(Math.Max(v, 1e-16))).ToArray();
            extra.Add(ResultDatasets.Float64(Scree, new DatasetShape([], [ratios.Length]), [new Axis("component", ratios.Length, 1, 0, string.Empty)], ratios, ds.Metadata));
            if (p.Denoised)
            {
                extra.Add(pca.Denoised(ds, k));
            }
        }
        else
        {
            var (weights, components, error) = Nmf.Factorize(SpectrumInputs.ReadSpectra(ds), k);
            for (int j = 0; j < k; j++)
            {
                maps.Add(($"weight {j}", weights.Select(w => w[j]).ToArray()));
                spectra.Add(($"component {j}", components[j]));
            }

            summary["relative_error"] = error;
        }

        var sets = maps.Select(m => ResultDatasets.ScanMap(ds, m.Title, m.Values))
            .Concat(spectra.Select(s => ResultDatasets.Spectrum(s.Title, s.Values, energy, ds.Metadata)))
            .Concat(extra).ToList();
        return run.Result(Name, Version, parameters, sets, summary);
    }

    /// <summary>Title of the PCA scree (log10 explained variance ratio per component).</summary>
    public const string Scree = "scree log10 explained variance ratio";
}
