using Condenser.Learning.Clustering;

namespace Condenser.Learning.Tests;

/// <summary>Gaussian mixtures on blobs whose answer is known, the BIC's choice, and the adjusted Rand index against scikit-learn's values.</summary>
public sealed class ClusteringTests
{
    /// <summary>Three well-separated anisotropic Gaussian blobs in 3 dimensions (sizes 300, 200, 100).</summary>
    private static (float[][] X, int[] Truth) Blobs(int seed)
    {
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var centres = new[] { new[] { 0.0, 0, 0 }, new[] { 12.0, 0, 3 }, new[] { 0.0, 14, -6 } };
        var scales = new[] { new[] { 1.0, 0.5, 2 }, new[] { 0.3, 1, 1 }, new[] { 2.0, 1, 0.5 } };
        var sizes = new[] { 300, 200, 100 };
        var x = new List<float[]>();
        var truth = new List<int>();
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < sizes[c]; i++)
            {
                double a = Normal(), b = Normal(), e = Normal();
                // A correlated pair in the first two dimensions: full covariances matter.
                x.Add([(float)(centres[c][0] + (scales[c][0] * a)), (float)(centres[c][1] + (scales[c][1] * (a + b))), (float)(centres[c][2] + (scales[c][2] * e))]);
                truth.Add(c);
            }
        }

        return ([.. x], [.. truth]);
    }

    [Fact]
    public void AMixtureOfSeparatedBlobsFindsTheirSampleMeansCovariancesAndWeights()
    {
        var (x, truth) = Blobs(3);
        var gmm = GaussianMixture.Fit(x, 3);
        Assert.True(gmm.Converged);
        var (labels, probability) = gmm.Predict(x);
        Assert.Equal(1.0, AdjustedRand.Index(truth, labels), 12);
        Assert.True(probability.Min() > 0.99);
        for (int c = 0; c < 3; c++)
        {
            // At EM's fixed point with responsibilities of 0 or 1, each component is its blob's sample moments
            // (the biased covariance plus the 1e-6 regularisation).
            var members = x.Where((_, i) => truth[i] == c).ToArray();
            int k = labels[Array.IndexOf(truth, c)];
            Assert.Equal(members.Length / 600.0, gmm.Weights[k], 9);
            for (int i = 0; i < 3; i++)
            {
                double mi = members.Average(v => (double)v[i]);
                Assert.Equal(mi, gmm.Means[k][i], 6);
                for (int j = 0; j < 3; j++)
                {
                    double mj = members.Average(v => (double)v[j]);
                    double cov = members.Average(v => (v[i] - mi) * (v[j] - mj)) + (i == j ? 1e-6 : 0);
                    Assert.Equal(cov, gmm.Covariances[k][(i * 3) + j], 5);
                }
            }
        }

        // The reported log-likelihood is, at convergence, that of the returned model on its data.
        Assert.Equal(gmm.MeanLogLikelihood, gmm.Score(x), 9);
    }

    [Fact]
    public void TheBicChoosesTheNumberOfBlobs()
    {
        var (x, _) = Blobs(5);
        var (best, bic) = GaussianMixture.SelectByBic(x, 6);
        Assert.Equal(3, best.Components);
        Assert.Equal(6, bic.Length);
        Assert.Equal(bic.Min(), bic[2]);
        // p = k·d + k·d(d+1)/2 + k − 1 = 9 + 18 + 2 for three components in three dimensions.
        Assert.Equal(29, best.ParameterCount);
        Assert.Equal((-2 * best.MeanLogLikelihood * x.Length) + (29 * Math.Log(x.Length)), bic[2], 6);
    }

    [Fact]
    public void TheFitIsTheSameForTheSameSeed()
    {
        var (x, _) = Blobs(7);
        var a = GaussianMixture.Fit(x, 4);
        var b = GaussianMixture.Fit(x, 4);
        Assert.Equal(a.MeanLogLikelihood, b.MeanLogLikelihood, 12);
        Assert.Equal(a.Predict(x).Labels, b.Predict(x).Labels);
    }

    [Fact]
    public void IdenticalSamplesStayDefinedByTheRegularisation()
    {
        var x = Enumerable.Range(0, 50).Select(i => i < 25 ? new float[] { 1, 2 } : new float[] { 5, 5 }).ToArray();
        var gmm = GaussianMixture.Fit(x, 2);
        Assert.Equal(1.0, AdjustedRand.Index(gmm.Predict(x).Labels, Enumerable.Range(0, 50).Select(i => i < 25 ? 0 : 1).ToArray()), 12);
        Assert.Throws<ArgumentException>(() => GaussianMixture.Fit(x, 51));
    }

    [Theory]
    // Values from scikit-learn 1.2's adjusted_rand_score on the same labelings.
    [InlineData(new[] { 0, 0, 1, 1 }, new[] { 0, 0, 1, 2 }, 0.5714285714285714)]
    [InlineData(new[] { 0, 0, 0, 1, 1, 1 }, new[] { 1, 1, 0, 0, 2, 2 }, 0.24242424242424243)]
    [InlineData(new[] { 5, 5, 7, 7 }, new[] { 1, 1, 0, 0 }, 1.0)]
    [InlineData(new[] { 3, 3, 3 }, new[] { 9, 9, 9 }, 1.0)]
    public void TheAdjustedRandIndexMatchesScikitLearn(int[] a, int[] b, double expected)
        => Assert.Equal(expected, AdjustedRand.Index(a, b), 14);
}
