using MathNet.Numerics.LinearAlgebra;

namespace Condenser.Learning.Decomposition;

/// <summary>
/// Non-negative matrix factorisation X ≈ W·H (positions × components, components × channels) by Lee and Seung's
/// multiplicative updates for the Frobenius norm, from a seeded random start; components are scaled so each spectrum
/// (row of H) has unit maximum.
/// </summary>
public static class Nmf
{
    /// <summary>Factorises non-negative spectra (negative values are clipped to 0).</summary>
    public static (double[][] Weights, double[][] Components, double RelativeError) Factorize(IReadOnlyList<double[]> spectra, int components, int iterations = 500, int seed = 1)
    {
        int n = spectra.Count, c = n > 0 ? spectra[0].Length : 0;
        if (components < 1 || n < components || c < components)
        {
            throw new ArgumentException($"NMF of {n} spectra × {c} channels into {components} components");
        }

        var x = Matrix<double>.Build.Dense(n, c, (i, j) => Math.Max(0, spectra[i][j]));
        var rng = new Random(seed);
        double scale = Math.Sqrt(x.Enumerate().Average() / components);
        var w = Matrix<double>.Build.Dense(n, components, (_, _) => scale * (0.1 + rng.NextDouble()));
        var h = Matrix<double>.Build.Dense(components, c, (_, _) => scale * (0.1 + rng.NextDouble()));
        const double eps = 1e-12;
        for (int it = 0; it < iterations; it++)
        {
            var wt = w.Transpose();
            var hNum = wt * x;
            var hDen = (wt * w * h).Add(eps);
            h = h.PointwiseMultiply(hNum).PointwiseDivide(hDen);
            var ht = h.Transpose();
            var wNum = x * ht;
            var wDen = (w * (h * ht)).Add(eps);
            w = w.PointwiseMultiply(wNum).PointwiseDivide(wDen);
        }

        for (int k = 0; k < components; k++)
        {
            double max = h.Row(k).Maximum();
            if (max > 0)
            {
                h.SetRow(k, h.Row(k) / max);
                w.SetColumn(k, w.Column(k) * max);
            }
        }

        double error = (x - (w * h)).FrobeniusNorm() / Math.Max(eps, x.FrobeniusNorm());
        return (w.ToRowArrays(), h.ToRowArrays(), error);
    }
}
