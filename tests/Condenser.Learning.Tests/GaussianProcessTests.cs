using Condenser.Learning.GaussianProcesses;
using MathNet.Numerics.LinearAlgebra;

namespace Condenser.Learning.Tests;

/// <summary>The Gaussian process against the textbook formulas computed independently (dense LU), and its fitting and guards.</summary>
public sealed class GaussianProcessTests
{
    private static List<double[]> Points(int n, int dims, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, dims).Select(_ => rng.NextDouble()).ToArray()).ToList();
    }

    [Theory]
    [InlineData(KernelKind.Rbf)]
    [InlineData(KernelKind.Matern32)]
    [InlineData(KernelKind.Matern52)]
    public void Kernel_profiles_are_the_textbook_ones(KernelKind kind)
    {
        // At r = 1: exp(−1/2); (1 + √3) e^−√3; (1 + √5 + 5/3) e^−√5.
        double expected = kind switch
        {
            KernelKind.Rbf => Math.Exp(-0.5),
            KernelKind.Matern32 => (1 + Math.Sqrt(3)) * Math.Exp(-Math.Sqrt(3)),
            _ => (1 + Math.Sqrt(5) + (5.0 / 3)) * Math.Exp(-Math.Sqrt(5)),
        };
        Assert.Equal(1, Kernel.Profile(kind, 0), 15);
        Assert.Equal(expected, Kernel.Profile(kind, 1), 14);
        var k = new Kernel(kind, [2, 0.5], 3);
        Assert.Equal(3 * expected, k.Evaluate([0, 0], [2, 0]), 12);
        Assert.Equal(3 * expected, k.Evaluate([1, 1], [1, 1.5]), 12);
    }

    [Theory]
    [InlineData(KernelKind.Rbf)]
    [InlineData(KernelKind.Matern32)]
    [InlineData(KernelKind.Matern52)]
    public void The_posterior_is_the_dense_solution(KernelKind kind)
    {
        var xs = Points(60, 2, 3);
        var ys = xs.Select(x => Math.Sin(6 * x[0]) + (x[1] * x[1])).ToList();
        var kernel = new Kernel(kind, [0.3, 0.5], 1.5);
        var gp = new GaussianProcess(kernel, 0.01, mean: 0.2);
        gp.AddRange(xs, ys);

        // Independent: K + σ²I solved by LU.
        var k = Matrix<double>.Build.Dense(60, 60, (i, j) => kernel.Evaluate(xs[i], xs[j]) + (i == j ? 0.01 : 0));
        var centred = Vector<double>.Build.Dense(60, i => ys[i] - 0.2);
        var lu = k.LU();
        var alpha = lu.Solve(centred);
        foreach (var q in Points(20, 2, 9))
        {
            var ks = Vector<double>.Build.Dense(60, i => kernel.Evaluate(q, xs[i]));
            double mean = 0.2 + ks.DotProduct(alpha), variance = 1.5 - ks.DotProduct(lu.Solve(ks));
            var (m, v) = gp.Predict(q);
            Assert.Equal(mean, m, 9);
            Assert.Equal(variance, v, 9);
        }

        double lml = (-0.5 * centred.DotProduct(alpha)) - (0.5 * Math.Log(lu.Determinant)) - (30 * Math.Log(2 * Math.PI));
        Assert.Equal(lml, gp.LogMarginalLikelihood, 8);

        // Batch prediction gives the same as one at a time.
        var grid = Points(100, 2, 11);
        var means = new double[100];
        var variances = new double[100];
        gp.Predict(grid, means, variances);
        Assert.Equal(gp.Predict(grid[37]).Mean, means[37], 12);
        Assert.Equal(gp.Predict(grid[37]).Variance, variances[37], 12);
    }

    [Fact]
    public void One_observation_gives_the_closed_form()
    {
        var kernel = new Kernel(KernelKind.Rbf, [1], 2);
        var gp = new GaussianProcess(kernel, 0.5);
        gp.Add([0], 3);
        double k = 2 * Math.Exp(-0.5 * 0.25);
        var (m, v) = gp.Predict([0.5]);
        Assert.Equal(k / 2.5 * 3, m, 12);
        Assert.Equal(2 - (k * k / 2.5), v, 12);
        Assert.Equal((2.0, 2.0), (gp.Predict([100]).Variance, kernel.SignalVariance));
    }

    [Fact]
    public void Without_noise_it_interpolates_and_duplicates_are_absorbed_by_jitter()
    {
        var xs = Points(30, 1, 5);
        var gp = new GaussianProcess(new Kernel(KernelKind.Matern52, [0.2], 1), 0);
        gp.AddRange(xs, xs.Select(x => Math.Cos(5 * x[0])).ToList());
        foreach (var x in xs.Take(5))
        {
            var (m, v) = gp.Predict(x);
            Assert.Equal(Math.Cos(5 * x[0]), m, 5);
            Assert.True(v < 1e-6);
        }

        // The same point again, noise-free: jitter keeps the factor positive definite.
        gp.Add(xs[0], Math.Cos(5 * xs[0][0]));
        Assert.True(gp.Jitter > 0);
        Assert.Equal(31, gp.Count);
        Assert.Equal(Math.Cos(5 * xs[3][0]), gp.Predict(xs[3]).Mean, 4);
    }

    [Fact]
    public void Bad_observations_are_refused_naming_what_was_wrong()
    {
        var gp = new GaussianProcess(new Kernel(KernelKind.Rbf, [1, 1], 1), 0.1);
        Assert.Contains("not a finite number", Assert.Throws<ArgumentException>(() => gp.Add([0, 0], double.NaN)).Message);
        Assert.Contains("dimensions", Assert.Throws<ArgumentException>(() => gp.Add([0], 1)).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => gp.Add([double.PositiveInfinity, 0], 1)).Message);
        Assert.Throws<ArgumentException>(() => new GaussianProcess(new Kernel(KernelKind.Rbf, [0], 1), 0.1));
        Assert.Throws<ArgumentException>(() => new GaussianProcess(new Kernel(KernelKind.Rbf, [1], 1), -1));
        Assert.Equal(0, gp.Count);
    }

    [Fact]
    public void Maximum_likelihood_recovers_the_length_scale_and_noise_of_a_sampled_process()
    {
        // Draw from a GP prior with ℓ = 0.15, σ_f² = 2, σ_n² = 0.01 (Cholesky of the Gram matrix times normals).
        int n = 150;
        var xs = Points(n, 1, 21);
        var truth = new Kernel(KernelKind.Rbf, [0.15], 2);
        var k = Matrix<double>.Build.Dense(n, n, (i, j) => truth.Evaluate(xs[i], xs[j]) + (i == j ? 1e-8 : 0));
        var rng = new Random(4);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var f = k.Cholesky().Factor * Vector<double>.Build.Dense(n, _ => Normal());
        var ys = Enumerable.Range(0, n).Select(i => f[i] + (0.1 * Normal())).ToList();
        var fit = LikelihoodFit.Fit(xs, ys, KernelKind.Rbf, starts: 3, seed: 2);
        Assert.InRange(fit.Kernel.LengthScales[0], 0.15 * 0.75, 0.15 * 1.33);
        Assert.InRange(fit.NoiseVariance, 0.01 / 3, 0.01 * 3);
        Assert.Equal(n, fit.Count);
        // Better than the start it came from.
        var start = new GaussianProcess(new Kernel(KernelKind.Rbf, [0.2], ys.Sum(y => y * y) / n), 0.1, ys.Average());
        start.AddRange(xs, ys);
        Assert.True(fit.LogMarginalLikelihood > start.LogMarginalLikelihood);
    }
}

/// <summary>The sparse process over candidates: exact when the inducing points are the observed inputs, close with a grid of them.</summary>
public sealed class CandidateGaussianProcessTests
{
    private static List<double[]> Grid(int n) => Enumerable.Range(0, n * n).Select(i => new[] { (i % n) / (double)(n - 1), (i / n) / (double)(n - 1) }).ToList();

    [Fact]
    public void With_the_inducing_points_at_the_observations_it_is_the_exact_process()
    {
        var kernel = new Kernel(KernelKind.Matern52, [0.25, 0.4], 2);
        var rng = new Random(3);
        var observed = Enumerable.Range(0, 40).Select(_ => new[] { rng.NextDouble(), rng.NextDouble() }).ToList();
        var ys = observed.Select(x => Math.Sin(5 * x[0]) * Math.Cos(3 * x[1])).ToList();
        var candidates = Grid(24);
        var sparse = new CandidateGaussianProcess(kernel, 0.05, 0.1, observed, candidates);
        var exact = new GaussianProcess(kernel, 0.05, 0.1);
        for (int i = 0; i < observed.Count; i++)
        {
            sparse.Add(observed[i], ys[i]);
            exact.Add(observed[i], ys[i]);
        }

        for (int c = 0; c < candidates.Count; c += 7)
        {
            var (m, v) = exact.Predict(candidates[c]);
            Assert.Equal(m, sparse.Means[c], 4);
            Assert.Equal(v, sparse.Variances[c], 4);
        }

        Assert.Equal(40, sparse.Count);
    }

    [Fact]
    public void A_grid_of_inducing_points_follows_the_exact_process_and_far_away_returns_to_the_prior()
    {
        var kernel = new Kernel(KernelKind.Rbf, [0.15, 0.15], 1);
        var candidates = Grid(64);
        var inducing = Grid(16);
        var sparse = new CandidateGaussianProcess(kernel, 0.01, 0, inducing, candidates);
        var exact = new GaussianProcess(kernel, 0.01);
        var rng = new Random(5);
        for (int i = 0; i < 150; i++)
        {
            int c = rng.Next(candidates.Count);
            double y = Math.Sin(4 * candidates[c][0]) + (0.5 * candidates[c][1]);
            sparse.AddAtCandidate(c, y);
            exact.Add(candidates[c], y);
        }

        double worst = 0;
        for (int c = 0; c < candidates.Count; c += 13)
        {
            worst = Math.Max(worst, Math.Abs(exact.Predict(candidates[c]).Mean - sparse.Means[c]));
        }

        Assert.True(worst < 0.02, $"largest difference of the means {worst}");
        var outside = new CandidateGaussianProcess(kernel, 0.01, 0, inducing, [[5.0, 5.0]]);
        outside.Add([0.5, 0.5], 1);
        Assert.Equal(1, outside.Variances[0], 6);
        Assert.Equal(0, outside.Means[0], 6);
    }

    [Fact]
    public void The_acquisition_picks_the_most_uncertain_candidate_left()
    {
        var kernel = new Kernel(KernelKind.Matern32, [0.2, 0.2], 1);
        var candidates = Grid(20);
        var gp = new CandidateGaussianProcess(kernel, 0.01, 0, Grid(10), candidates);
        var taken = new HashSet<int>();
        for (int step = 0; step < 30; step++)
        {
            int next = gp.ArgMax((_, v) => v, taken.Contains);
            Assert.DoesNotContain(next, taken);
            double before = gp.Variances[next];
            Assert.Equal(gp.Variances.ToArray().Where((_, i) => !taken.Contains(i)).Max(), before);
            taken.Add(next);
            gp.AddAtCandidate(next, 0);
            Assert.True(gp.Variances[next] < before);
        }

        Assert.Throws<ArgumentException>(() => gp.AddAtCandidate(0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => gp.AddAtCandidate(400, 1));
    }
}
