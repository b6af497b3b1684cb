using Condenser.Processing.Imaging;

namespace Condenser.Processing.Tests;

/// <summary>Total-variation inpainting against analytical cases: a flat field, and discs on a support sampled sparsely with noise.</summary>
public sealed class TotalVariationTests
{
    [Fact]
    public void A_flat_field_sampled_anywhere_is_filled_flat()
    {
        var observed = Enumerable.Repeat(double.NaN, 32 * 32).ToArray();
        foreach (int i in new[] { 5, 300, 777, 1000 })
        {
            observed[i] = 7;
        }

        var result = new double[observed.Length];
        TotalVariation.Inpaint(observed, 32, 32, 1, 1, 300, result);
        Assert.All(result, v => Assert.Equal(7, v, 6));
    }

    [Fact]
    public void Discs_sampled_at_a_fifth_of_the_pixels_come_back_closer_than_the_nearest_sample_gives_them()
    {
        // Two bright discs (radius 6 and 9 px) of 100 on a support of 10, noise σ = 3, a fifth of the pixels sampled.
        int w = 64, h = 64;
        var truth = new double[w * h];
        for (int i = 0; i < truth.Length; i++)
        {
            int x = i % w, y = i / w;
            bool inside = ((x - 20) * (x - 20)) + ((y - 22) * (y - 22)) < 36 || ((x - 44) * (x - 44)) + ((y - 40) * (y - 40)) < 81;
            truth[i] = inside ? 100 : 10;
        }

        var rng = new Random(5);
        var observed = new double[truth.Length];
        for (int i = 0; i < truth.Length; i++)
        {
            double normal = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            observed[i] = rng.NextDouble() < 0.2 ? truth[i] + (3 * normal) : double.NaN;
        }

        var tv = new double[truth.Length];
        TotalVariation.Inpaint(observed, w, h, 3, 1, 500, tv);
        var nearest = Nearest(observed, w, h);
        double Rmse(double[] m) => Math.Sqrt(m.Select((v, i) => (v - truth[i]) * (v - truth[i])).Average());
        Assert.True(Rmse(tv) < 0.9 * Rmse(nearest), $"TV {Rmse(tv):F2} against nearest {Rmse(nearest):F2}");
        Assert.InRange(tv[(22 * w) + 20], 85, 110); // the small disc's centre
        Assert.InRange(tv[5], 5, 15);               // the support far from both
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var result = new double[4];
        Assert.Throws<ArgumentException>(() => TotalVariation.Inpaint(new double[3], 2, 2, 1, 1, 10, result));
        Assert.Throws<ArgumentException>(() => TotalVariation.Inpaint([double.NaN, double.NaN, double.NaN, double.NaN], 2, 2, 1, 1, 10, result));
        Assert.Throws<ArgumentException>(() => TotalVariation.Inpaint([1, 2, 3, 4], 2, 2, 0, 1, 10, result));
    }

    private static double[] Nearest(double[] observed, int w, int h)
    {
        var known = Enumerable.Range(0, observed.Length).Where(i => double.IsFinite(observed[i])).ToArray();
        return Enumerable.Range(0, observed.Length).Select(i =>
            observed[known.MinBy(k => (((k % w) - (i % w)) * ((k % w) - (i % w))) + (((k / w) - (i / w)) * ((k / w) - (i / w))))]).ToArray();
    }
}
