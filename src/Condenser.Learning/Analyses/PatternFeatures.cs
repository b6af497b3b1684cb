using Condenser.Learning.Decomposition;

namespace Condenser.Learning.Analyses;

/// <summary>What the pattern analyses (classification, anomaly maps) share: the features' PCA and the spread of per-visited-position values over the scan.</summary>
internal static class PatternFeatures
{
    /// <summary>The feature vectors in float64, in order.</summary>
    public static double[][] AsDoubles(float[][] features) => features.AsParallel().AsOrdered().Select(f => f.Select(v => (double)v).ToArray()).ToArray();

    /// <summary>PCA of the chosen rows of <paramref name="x"/>.</summary>
    public static Pca FitPca(double[][] x, IEnumerable<int> rows)
    {
        var pca = new Pca(x[0].Length);
        foreach (int i in rows)
        {
            pca.Accumulate(x[i]);
        }

        pca.Solve();
        return pca;
    }

    /// <summary>The first <paramref name="k"/> principal-component scores of every row, as float32.</summary>
    public static float[][] Scores(Pca pca, double[][] x, int k) => x.AsParallel().AsOrdered().Select(r => pca.Scores(r, k).Select(v => (float)v).ToArray()).ToArray();

    /// <summary>Values of the visited positions (non-null features) spread over every position, NaN where a run did not visit.</summary>
    public static double[] Scatter(float[][] perPosition, IReadOnlyList<double> visitedValues)
    {
        var all = new double[perPosition.Length];
        for (int i = 0, j = 0; i < all.Length; i++)
        {
            all[i] = perPosition[i] is null ? double.NaN : visitedValues[j++];
        }

        return all;
    }
}
