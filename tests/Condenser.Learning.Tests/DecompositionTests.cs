using Condenser.Data;
using Condenser.Processing.MapReduce;
using Condenser.Learning.Decomposition;
using MathNet.Numerics.LinearAlgebra;

namespace Condenser.Learning.Tests;

/// <summary>PCA and NMF on spectra with known answers (a mixture of two known components, the SVD of MathNet).</summary>
public sealed class DecompositionTests
{
    [Fact]
    public void PcaOfATwoComponentMixtureHasTwoComponentsAndMatchesTheSvd()
    {
        var (spectra, _, _) = Synthetic.Mixture(300, 64, 1);
        var bytes = new byte[300 * 64 * 8];
        Buffer.BlockCopy(spectra.SelectMany(s => s).ToArray(), 0, bytes, 0, bytes.Length);
        using var ds = EmDataset.FromBytes("mix", [15, 20], [64], DType.Float64, bytes);
        var streamed = new Pca(64);
        FrameExecutor.RunParallel(ds, [streamed], workers: 2, partitionBytes: 7 * 64 * 8);
        Assert.True(streamed.ExplainedVarianceRatio[0] + streamed.ExplainedVarianceRatio[1] > 1 - 1e-9);

        // The singular values equal those of the centred matrix.
        var mean = Enumerable.Range(0, 64).Select(j => spectra.Average(s => s[j])).ToArray();
        var x = Matrix<double>.Build.Dense(300, 64, (i, j) => spectra[i][j] - mean[j]);
        var s = x.Svd(false).S;
        Assert.Equal(s[0], streamed.SingularValues[0], s[0] * 1e-9);
        Assert.Equal(s[1], streamed.SingularValues[1], s[0] * 1e-9);

        // Two components rebuild every spectrum; the thin-SVD route (fewer spectra than channels) agrees.
        var rebuilt = streamed.Reconstruct(spectra[7], 2);
        for (int j = 0; j < 64; j++)
        {
            Assert.Equal(spectra[7][j], rebuilt[j], 1e-8);
        }

        // The streamed views: denoised frames and score maps agree with the per-spectrum calls.
        var denoised = streamed.Denoised(ds, 2).ReadAll();
        Assert.Equal(rebuilt, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(denoised.AsSpan(7 * 64 * 8, 64 * 8)).ToArray());
        var scores = new PcaScores(streamed, 2);
        FrameExecutor.RunParallel(ds, [scores], workers: 2, partitionBytes: 5 * 64 * 8);
        Assert.Equal(streamed.Scores(spectra[123], 2), new[] { scores.Scores[0][123], scores.Scores[1][123] });

        var few = Pca.FromSpectra(spectra.Take(20).ToArray());
        var fewSvd = Matrix<double>.Build.Dense(20, 64, (i, j) => spectra[i][j] - spectra.Take(20).Average(r => r[j])).Svd(false).S;
        Assert.Equal(fewSvd[0], few.SingularValues[0], fewSvd[0] * 1e-9);
    }

    [Fact]
    public void NmfRecoversTheComponentsOfANonNegativeMixture()
    {
        var (spectra, components, _) = Synthetic.Mixture(200, 80, 2);
        var (_, found, error) = Nmf.Factorize(spectra, 2, iterations: 2000);
        Assert.True(error < 0.01, $"relative error {error}");
        foreach (var truth in components)
        {
            double best = found.Max(f => Correlation(f, truth));
            Assert.True(best > 0.995, $"best correlation {best}");
        }
    }

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }

        return sab / Math.Sqrt(saa * sbb);
    }
}
