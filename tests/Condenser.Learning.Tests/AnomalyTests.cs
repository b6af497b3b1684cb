using Condenser.Learning.Anomaly;

namespace Condenser.Learning.Tests;

/// <summary>The isolation forest on Gaussian data with planted outliers, and its normaliser against the exact harmonic sum.</summary>
public sealed class AnomalyTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(256)]
    public void TheAveragePathLengthIsTheHarmonicFormula(int n)
    {
        double harmonic = Enumerable.Range(1, n - 1).Sum(i => 1.0 / i);
        Assert.Equal((2 * harmonic) - (2.0 * (n - 1) / n), IsolationForest.AveragePathLength(n), 1e-4);
        Assert.Equal(0, IsolationForest.AveragePathLength(1));
    }

    [Fact]
    public void PlantedOutliersScoreHighestAndInliersAboutAHalf()
    {
        var rng = new Random(4);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var x = Enumerable.Range(0, 2000).Select(_ => Enumerable.Range(0, 4).Select(_ => (float)Normal()).ToArray()).ToList();
        int[] planted = [17, 500, 1999];
        foreach (int i in planted)
        {
            x[i] = [6, -6, 5, 0];
        }

        var scores = IsolationForest.Fit(x).Score(x);
        var top = Enumerable.Range(0, x.Count).OrderByDescending(i => scores[i]).Take(3).Order().ToArray();
        Assert.Equal(planted, top);
        Assert.All(planted, i => Assert.True(scores[i] > 0.7, $"{scores[i]}"));
        Assert.InRange(scores.Order().ElementAt(1000), 0.35, 0.5);
        Assert.Equal(scores, IsolationForest.Fit(x).Score(x));
        Assert.Throws<ArgumentException>(() => IsolationForest.Fit([x[0]]));
    }
}
