namespace Condenser.Learning.Clustering;

/// <summary>
/// A Gaussian mixture with full covariances fitted by expectation–maximisation, started from k-means labels
/// (scikit-learn's <c>GaussianMixture(covariance_type='full', init_params='kmeans', reg_covar=1e-6, tol=1e-3)</c>):
/// soft phase maps with a posterior probability per position, and a stated criterion for the number of components,
/// the Bayesian information criterion (<see cref="SelectByBic"/>).
/// </summary>
public sealed class GaussianMixture
{
    private readonly double[][] _choleskyOfCovariance;
    private readonly double[] _logNormalisers;

    private GaussianMixture(double[] weights, double[][] means, double[][] covariances, double meanLogLikelihood, int iterations, bool converged)
    {
        Weights = weights;
        Means = means;
        Covariances = covariances;
        MeanLogLikelihood = meanLogLikelihood;
        Iterations = iterations;
        Converged = converged;
        int d = means[0].Length;
        _choleskyOfCovariance = covariances.Select(c => Cholesky(c, d)).ToArray();
        _logNormalisers = _choleskyOfCovariance.Select((l, k) =>
        {
            double logDet = 0;
            for (int i = 0; i < d; i++)
            {
                logDet += 2 * Math.Log(l[(i * d) + i]);
            }

            return Math.Log(Math.Max(weights[k], 1e-300)) - (0.5 * ((d * Math.Log(2 * Math.PI)) + logDet));
        }).ToArray();
    }

    /// <summary>Mixing weight of each component (they sum to 1).</summary>
    public double[] Weights { get; }

    /// <summary>Mean of each component.</summary>
    public double[][] Means { get; }

    /// <summary>Covariance of each component, row-major d × d (regularisation included).</summary>
    public double[][] Covariances { get; }

    /// <summary>Mean log-likelihood per sample of the data it was fitted to (nats).</summary>
    public double MeanLogLikelihood { get; }

    /// <summary>EM iterations run.</summary>
    public int Iterations { get; }

    /// <summary>Whether the mean log-likelihood changed by less than the tolerance before the iteration limit.</summary>
    public bool Converged { get; }

    /// <summary>Number of components.</summary>
    public int Components => Weights.Length;

    /// <summary>Free parameters: k·d means, k·d(d+1)/2 covariances, k − 1 weights.</summary>
    public int ParameterCount => (Components * Means[0].Length) + (Components * Means[0].Length * (Means[0].Length + 1) / 2) + Components - 1;

    /// <summary>Bayesian information criterion on <paramref name="samples"/> samples of the fitted data: −2 ln L + p ln n (lower is better).</summary>
    public double Bic(int samples) => (-2 * MeanLogLikelihood * samples) + (ParameterCount * Math.Log(samples));

    /// <summary>Fits <paramref name="k"/> components to the rows of <paramref name="x"/> (n × d, n ≥ k).</summary>
    public static GaussianMixture Fit(IReadOnlyList<float[]> x, int k, int seed = 1, int maxIterations = 100, double tolerance = 1e-3, double regularization = 1e-6)
    {
        int n = x.Count;
        if (k < 1 || n < k)
        {
            throw new ArgumentException($"a Gaussian mixture of {k} components from {n} samples");
        }

        int d = x[0].Length;
        var (labels, _) = KMeans.Fit(x, k, seed);
        var stats = new Statistics(k, d);
        for (int i = 0; i < n; i++)
        {
            stats.Add(x[i], labels[i], 1);
        }

        var model = stats.Model(n, regularization, double.NaN, 0, false);
        double previous = double.NegativeInfinity;
        for (int it = 1; it <= maxIterations; it++)
        {
            var (next, logLikelihood) = model.Step(x, regularization, it);
            bool converged = Math.Abs(logLikelihood - previous) < tolerance;
            previous = logLikelihood;
            model = next;
            if (converged)
            {
                return next.With(logLikelihood, it, true);
            }
        }

        return model.With(model.Score(x), maxIterations, false);
    }

    /// <summary>
    /// Fits 1 … <paramref name="maxComponents"/> components and keeps the one of lowest BIC; the BIC of every
    /// candidate is returned beside it.
    /// </summary>
    public static (GaussianMixture Best, double[] Bic) SelectByBic(IReadOnlyList<float[]> x, int maxComponents, int seed = 1)
    {
        int top = Math.Min(maxComponents, x.Count);
        if (top < 1)
        {
            throw new ArgumentException($"choosing among 1 … {maxComponents} components of {x.Count} samples");
        }

        var fits = Enumerable.Range(1, top).Select(k => Fit(x, k, seed)).ToArray();
        var bic = fits.Select(f => f.Bic(x.Count)).ToArray();
        return (fits[Array.IndexOf(bic, bic.Min())], bic);
    }

    /// <summary>The most probable component of each sample and its posterior probability.</summary>
    public (int[] Labels, double[] Probability) Predict(IReadOnlyList<float[]> x)
    {
        var labels = new int[x.Count];
        var probability = new double[x.Count];
        Parallel.For(0, x.Count, () => new double[Components], (i, _, log) =>
        {
            double norm = LogJoint(x[i], log);
            int best = 0;
            for (int c = 1; c < Components; c++)
            {
                best = log[c] > log[best] ? c : best;
            }

            labels[i] = best;
            probability[i] = Math.Exp(log[best] - norm);
            return log;
        }, _ => { });
        return (labels, probability);
    }

    /// <summary>Mean log-likelihood per sample of <paramref name="x"/> (nats).</summary>
    public double Score(IReadOnlyList<float[]> x)
    {
        double total = 0;
        object gate = new();
        Parallel.For(0, x.Count, () => (new double[Components], 0.0), (i, _, s) => (s.Item1, s.Item2 + LogJoint(x[i], s.Item1)), s => { lock (gate) { total += s.Item2; } });
        return total / x.Count;
    }

    private GaussianMixture With(double meanLogLikelihood, int iterations, bool converged) => new(Weights, Means, Covariances, meanLogLikelihood, iterations, converged);

    /// <summary>One EM step: the log-likelihood under this model (E) and the model re-estimated from its responsibilities (M).</summary>
    private (GaussianMixture Next, double MeanLogLikelihood) Step(IReadOnlyList<float[]> x, double regularization, int iteration)
    {
        int d = Means[0].Length;
        var total = new Statistics(Components, d);
        double logLikelihood = 0;
        object gate = new();
        Parallel.For(0, x.Count, () => (new Statistics(Components, d), new double[Components], 0.0), (i, _, s) =>
        {
            double norm = LogJoint(x[i], s.Item2);
            for (int c = 0; c < Components; c++)
            {
                double r = Math.Exp(s.Item2[c] - norm);
                if (r > 1e-12)
                {
                    s.Item1.Add(x[i], c, r);
                }
            }

            return (s.Item1, s.Item2, s.Item3 + norm);
        }, s =>
        {
            lock (gate)
            {
                total.Merge(s.Item1);
                logLikelihood += s.Item3;
            }
        });
        double mean = logLikelihood / x.Count;
        return (total.Model(x.Count, regularization, mean, iteration, false), mean);
    }

    /// <summary>ln(w_c N(x | μ_c, Σ_c)) for every component into <paramref name="log"/>; returns their log-sum-exp, ln p(x).</summary>
    private double LogJoint(float[] x, double[] log)
    {
        int d = x.Length;
        Span<double> z = d <= 256 ? stackalloc double[d] : new double[d];
        double max = double.NegativeInfinity;
        for (int c = 0; c < Components; c++)
        {
            var l = _choleskyOfCovariance[c];
            var m = Means[c];
            double q = 0;
            for (int i = 0; i < d; i++)
            {
                // Forward substitution: z = L⁻¹ (x − μ), so (x − μ)ᵀ Σ⁻¹ (x − μ) = |z|².
                double v = x[i] - m[i];
                for (int j = 0; j < i; j++)
                {
                    v -= l[(i * d) + j] * z[j];
                }

                z[i] = v / l[(i * d) + i];
                q += z[i] * z[i];
            }

            log[c] = _logNormalisers[c] - (0.5 * q);
            max = Math.Max(max, log[c]);
        }

        double sum = 0;
        for (int c = 0; c < Components; c++)
        {
            sum += Math.Exp(log[c] - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>
    /// Lower-triangular L with L Lᵀ = A (MathNet's Cholesky), row-major d × d for the forward substitution of
    /// <see cref="LogJoint"/>; A must be positive definite, as a regularised covariance is.
    /// </summary>
    private static double[] Cholesky(double[] a, int d)
    {
        MathNet.Numerics.LinearAlgebra.Matrix<double> lower;
        try
        {
            lower = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfRowMajor(d, d, a).Cholesky().Factor;
        }
        catch (ArgumentException e)
        {
            throw new ArithmeticException("a component's covariance is not positive definite: raise the regularisation or reduce the features", e);
        }

        return lower.ToRowMajorArray();
    }

    /// <summary>Weighted sufficient statistics per component: Σr, Σr·x, Σr·x xᵀ.</summary>
    private sealed class Statistics(int k, int d)
    {
        private readonly double[] _weight = new double[k];
        private readonly double[][] _sum = Enumerable.Range(0, k).Select(_ => new double[d]).ToArray();
        private readonly double[][] _outer = Enumerable.Range(0, k).Select(_ => new double[d * d]).ToArray();

        public void Add(float[] x, int c, double r)
        {
            _weight[c] += r;
            var s = _sum[c];
            var o = _outer[c];
            for (int i = 0; i < d; i++)
            {
                double ri = r * x[i];
                s[i] += ri;
                for (int j = 0; j <= i; j++)
                {
                    o[(i * d) + j] += ri * x[j];
                }
            }
        }

        public void Merge(Statistics other)
        {
            for (int c = 0; c < k; c++)
            {
                _weight[c] += other._weight[c];
                for (int i = 0; i < d; i++)
                {
                    _sum[c][i] += other._sum[c][i];
                }

                for (int i = 0; i < d * d; i++)
                {
                    _outer[c][i] += other._outer[c][i];
                }
            }
        }

        public GaussianMixture Model(int n, double regularization, double meanLogLikelihood, int iterations, bool converged)
        {
            var weights = new double[k];
            var means = new double[k][];
            var covariances = new double[k][];
            for (int c = 0; c < k; c++)
            {
                // scikit-learn adds 10·machine epsilon to every count so an emptied component stays defined.
                double nk = _weight[c] + (10 * 2.220446049250313e-16);
                weights[c] = nk / n;
                means[c] = _sum[c].Select(s => s / nk).ToArray();
                var cov = new double[d * d];
                for (int i = 0; i < d; i++)
                {
                    for (int j = 0; j <= i; j++)
                    {
                        double v = (_outer[c][(i * d) + j] / nk) - (means[c][i] * means[c][j]);
                        cov[(i * d) + j] = v;
                        cov[(j * d) + i] = v;
                    }

                    cov[(i * d) + i] += regularization;
                }

                covariances[c] = cov;
            }

            return new GaussianMixture(weights, means, covariances, meanLogLikelihood, iterations, converged);
        }
    }
}
