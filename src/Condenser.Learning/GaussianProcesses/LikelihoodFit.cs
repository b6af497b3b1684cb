using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Condenser.Learning.GaussianProcesses;

/// <summary>Bounds of the hyperparameter search, relative to the data: length scales to the inputs' spread, variances to the values' variance.</summary>
/// <param name="MinLengthFraction">Smallest length scale as a fraction of each input dimension's range.</param>
/// <param name="MaxLengthFraction">Largest length scale as a multiple of the range.</param>
/// <param name="MinNoiseFraction">Smallest noise variance as a fraction of the values' variance.</param>
/// <param name="MaxNoiseFraction">Largest noise variance as a fraction of the values' variance.</param>
public sealed record LikelihoodBounds(double MinLengthFraction = 1e-3, double MaxLengthFraction = 10, double MinNoiseFraction = 1e-8, double MaxNoiseFraction = 1);

/// <summary>
/// Type-II maximum likelihood: the length scales, signal variance and noise variance that maximise the log marginal
/// likelihood, searched in log space (Nelder–Mead) within bounds, from several starts; the prior mean is the values'
/// mean. Deterministic for a seed.
/// </summary>
public static class LikelihoodFit
{
    /// <summary>The fitted process over (<paramref name="xs"/>, <paramref name="ys"/>), holding those observations.</summary>
    public static GaussianProcess Fit(IReadOnlyList<double[]> xs, IReadOnlyList<double> ys, KernelKind kind, LikelihoodBounds? bounds = null, int starts = 4, int seed = 1, int maxEvaluations = 400)
    {
        bounds ??= new LikelihoodBounds();
        if (xs.Count < 3 || xs.Count != ys.Count)
        {
            throw new ArgumentException($"fitting a Gaussian process needs at least 3 observations with one value each ({xs.Count} inputs, {ys.Count} values)");
        }

        int dims = xs[0].Length;
        double mean = ys.Average();
        double variance = Math.Max(ys.Sum(y => (y - mean) * (y - mean)) / ys.Count, 1e-300);
        var range = Enumerable.Range(0, dims).Select(d => Math.Max(xs.Max(x => x[d]) - xs.Min(x => x[d]), 1e-12)).ToArray();
        var lo = Vector<double>.Build.Dense(dims + 2);
        var hi = Vector<double>.Build.Dense(dims + 2);
        for (int d = 0; d < dims; d++)
        {
            lo[d] = Math.Log(bounds.MinLengthFraction * range[d]);
            hi[d] = Math.Log(bounds.MaxLengthFraction * range[d]);
        }

        lo[dims] = Math.Log(variance * 1e-3);
        hi[dims] = Math.Log(variance * 1e3);
        lo[dims + 1] = Math.Log(variance * bounds.MinNoiseFraction);
        hi[dims + 1] = Math.Log(variance * bounds.MaxNoiseFraction);

        GaussianProcess Build(Vector<double> theta)
        {
            var clamped = theta.PointwiseMaximum(lo).PointwiseMinimum(hi);
            var kernel = new Kernel(kind, Enumerable.Range(0, dims).Select(d => Math.Exp(clamped[d])).ToArray(), Math.Exp(clamped[dims]));
            var gp = new GaussianProcess(kernel, Math.Exp(clamped[dims + 1]), mean);
            gp.AddRange(xs, ys);
            return gp;
        }

        double Objective(Vector<double> theta)
        {
            // Outside the bounds: the value at the bound plus a quadratic wall, so the simplex turns back.
            double wall = 0;
            for (int i = 0; i < theta.Count; i++)
            {
                wall += Math.Pow(Math.Max(0, lo[i] - theta[i]), 2) + Math.Pow(Math.Max(0, theta[i] - hi[i]), 2);
            }

            try
            {
                double v = -Build(theta).LogMarginalLikelihood;
                return double.IsFinite(v) ? v + (1e3 * wall) : double.MaxValue;
            }
            catch (ArgumentException)
            {
                return double.MaxValue;
            }
        }

        var rng = new Random(seed);
        Vector<double>? best = null;
        double bestValue = double.MaxValue;
        for (int s = 0; s < Math.Max(1, starts); s++)
        {
            var start = Vector<double>.Build.Dense(dims + 2, i =>
            {
                // The first start is the usual guess (a fifth of the range, the values' variance, a tenth as noise); the others are drawn within the bounds.
                if (s == 0)
                {
                    return i < dims ? Math.Log(0.2 * range[i]) : i == dims ? Math.Log(variance) : Math.Log(0.1 * variance);
                }

                return lo[i] + ((hi[i] - lo[i]) * (0.15 + (0.7 * rng.NextDouble())));
            });
            var step = Vector<double>.Build.Dense(dims + 2, 0.7);
            try
            {
                var result = NelderMeadSimplex.Minimum(ObjectiveFunction.Value(Objective), start, step, 1e-6, maxEvaluations);
                if (result.FunctionInfoAtMinimum.Value < bestValue)
                {
                    bestValue = result.FunctionInfoAtMinimum.Value;
                    best = result.MinimizingPoint;
                }
            }
            catch (MaximumIterationsException)
            {
                // A start that did not settle in the budget of evaluations: keep the others.
            }
        }

        if (best is null)
        {
            throw new ArgumentException("no start of the likelihood search converged: the observations cannot be fitted");
        }

        return Build(best);
    }
}
