using System.Numerics.Tensors;

namespace Condenser.Learning.GaussianProcesses;

/// <summary>
/// A Gaussian process for acquisition loops over a fixed set of candidate inputs (a scan grid): a sparse process on
/// <c>m</c> inducing points (deterministic training conditional, DTC) kept in its whitened form, whose posterior mean and
/// variance at every candidate are updated in place with each observation. An observation costs O(m² + G·m) for G
/// candidates, whatever the number already made, so a decision stays as fast at 10,000 observations as at 10.
/// </summary>
/// <remarks>
/// With f(x) ≈ a(x)ᵀ v, a(x) = L⁻¹ k_Z(x) (K_ZZ = L Lᵀ) and v ~ N(0, I), an observation y = f(x) + ε updates the posterior
/// N(μ, S) of v by the Kalman step s = S a, q = aᵀ s + σ_n², μ += s (y − m − aᵀμ)/q, S −= s sᵀ/q; each candidate c
/// then moves by g_c = a_cᵀ s: mean += g_c (y − m − aᵀμ)/q, variance −= g_c²/q. The variance includes the Nyström
/// residual k(c, c) − |a_c|², so far from the inducing points it returns to the prior. With the inducing points at the
/// observed inputs it is the exact process. Memory: the G × m matrix of a_c (float), e.g. 67 MB for 256² candidates and
/// 256 inducing points.
/// </remarks>
public sealed class CandidateGaussianProcess
{
    private readonly Kernel _kernel;
    private readonly double[][] _inducing;
    private readonly double[] _lower; // L of K_ZZ + jitter, row-major m × m
    private readonly float[] _a;      // G × m: a_c = L⁻¹ k_Z(c)
    private readonly double[] _mu;    // m
    private readonly double[] _s;     // m × m posterior covariance of v
    private readonly double[] _means;
    private readonly double[] _variances;
    private readonly int _m;

    /// <summary>The kernel.</summary>
    public Kernel Kernel => _kernel;

    /// <summary>A process over <paramref name="candidates"/> with <paramref name="inducing"/> points.</summary>
    public CandidateGaussianProcess(Kernel kernel, double noiseVariance, double mean, IReadOnlyList<double[]> inducing, IReadOnlyList<double[]> candidates)
    {
        kernel.Check();
        if (!(noiseVariance > 0) || !double.IsFinite(noiseVariance))
        {
            throw new ArgumentException($"the noise variance {noiseVariance} must be a positive number (a sparse process needs noise)");
        }

        if (inducing.Count == 0 || candidates.Count == 0)
        {
            throw new ArgumentException("a sparse process needs inducing points and candidates");
        }

        if (inducing.Concat(candidates).Any(p => p.Length != kernel.Dimensions || p.Any(v => !double.IsFinite(v))))
        {
            throw new ArgumentException($"every inducing point and candidate must have {kernel.Dimensions} finite coordinates");
        }

        _kernel = kernel;
        NoiseVariance = noiseVariance;
        Mean = mean;
        _inducing = inducing.Select(p => p.ToArray()).ToArray();
        _m = _inducing.Length;
        _lower = Factor(kernel, _inducing, out double jitter);
        Jitter = jitter;
        int g = candidates.Count;
        _a = new float[(long)g * _m];
        _means = new double[g];
        _variances = new double[g];
        Parallel.For(0, g, () => new double[_m], (c, _, k) =>
        {
            for (int i = 0; i < _m; i++)
            {
                k[i] = kernel.Evaluate(candidates[c], _inducing[i]);
            }

            ForwardSolve(k);
            double norm = 0;
            var row = _a.AsSpan((int)((long)c * _m), _m);
            for (int i = 0; i < _m; i++)
            {
                row[i] = (float)k[i];
                norm += k[i] * k[i];
            }

            _means[c] = mean;
            _variances[c] = Math.Max(0, kernel.SignalVariance - norm) + norm; // residual + prior of the inducing part: the prior
            return k;
        }, _ => { });
        _mu = new double[_m];
        _s = new double[_m * _m];
        for (int i = 0; i < _m; i++)
        {
            _s[(i * _m) + i] = 1;
        }
    }

    /// <summary>σ_n².</summary>
    public double NoiseVariance { get; }

    /// <summary>The prior mean.</summary>
    public double Mean { get; }

    /// <summary>Jitter added to K_ZZ's diagonal to factor it.</summary>
    public double Jitter { get; }

    /// <summary>Observations so far.</summary>
    public int Count { get; private set; }

    /// <summary>Posterior means at the candidates, in their order.</summary>
    public ReadOnlySpan<double> Means => _means;

    /// <summary>Posterior variances of the latent function at the candidates.</summary>
    public ReadOnlySpan<double> Variances => _variances;

    /// <summary>Adds the observation <paramref name="y"/> at candidate <paramref name="candidate"/> (its a-vector is known).</summary>
    public void AddAtCandidate(int candidate, double y)
    {
        if ((uint)candidate >= (uint)_means.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(candidate), $"candidate {candidate} is outside 0..{_means.Length - 1}");
        }

        var a = new double[_m];
        var row = _a.AsSpan((int)((long)candidate * _m), _m);
        for (int i = 0; i < _m; i++)
        {
            a[i] = row[i];
        }

        Update(a, y);
    }

    /// <summary>Adds the observation <paramref name="y"/> at any input <paramref name="x"/>.</summary>
    public void Add(ReadOnlySpan<double> x, double y)
    {
        if (x.Length != _kernel.Dimensions)
        {
            throw new ArgumentException($"an input of {x.Length} dimensions for a kernel of {_kernel.Dimensions}");
        }

        var a = new double[_m];
        for (int i = 0; i < _m; i++)
        {
            a[i] = _kernel.Evaluate(x, _inducing[i]);
        }

        ForwardSolve(a);
        Update(a, y);
    }

    /// <summary>The candidate that maximises <paramref name="value"/>(mean, variance), skipping those <paramref name="exclude"/> rules out.</summary>
    public int ArgMax(Func<double, double, double> value, Func<int, bool>? exclude = null)
    {
        int best = -1;
        double bestValue = double.NegativeInfinity;
        for (int c = 0; c < _means.Length; c++)
        {
            if (exclude?.Invoke(c) == true)
            {
                continue;
            }

            double v = value(_means[c], _variances[c]);
            if (v > bestValue)
            {
                bestValue = v;
                best = c;
            }
        }

        return best;
    }

    private void Update(double[] a, double y)
    {
        if (!double.IsFinite(y))
        {
            throw new ArgumentException($"the observation {y} is not a finite number");
        }

        int m = _m;
        var s = new double[m];
        for (int i = 0; i < m; i++)
        {
            s[i] = TensorPrimitives.Dot<double>(_s.AsSpan(i * m, m), a);
        }

        double q = TensorPrimitives.Dot<double>(a, s) + NoiseVariance;
        double residual = y - Mean - TensorPrimitives.Dot<double>(a, _mu);
        double gain = residual / q;
        for (int i = 0; i < m; i++)
        {
            _mu[i] += s[i] * gain;
            var srow = _s.AsSpan(i * m, m);
            TensorPrimitives.MultiplyAdd<double>(s, -s[i] / q, srow, srow);
        }

        var sf = s.Select(v => (float)v).ToArray();
        int g = _means.Length;
        Parallel.For(0, (g + 4095) / 4096, block =>
        {
            int from = block * 4096, to = Math.Min(g, from + 4096);
            for (int c = from; c < to; c++)
            {
                double gc = TensorPrimitives.Dot<float>(_a.AsSpan((int)((long)c * m), m), sf);
                _means[c] += gc * gain;
                _variances[c] = Math.Max(0, _variances[c] - (gc * gc / q));
            }
        });
        Count++;
    }

    private void ForwardSolve(double[] b)
    {
        int m = _m;
        for (int i = 0; i < m; i++)
        {
            double s = b[i];
            var row = _lower.AsSpan(i * m, i);
            s -= TensorPrimitives.Dot<double>(row, b.AsSpan(0, i));
            b[i] = s / _lower[(i * m) + i];
        }
    }

    private static double[] Factor(Kernel kernel, double[][] z, out double jitter)
    {
        int m = z.Length;
        var k = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(m, m, (i, j) => kernel.Evaluate(z[i], z[j]));
        for (jitter = 1e-8 * kernel.SignalVariance; jitter < 1e-1 * kernel.SignalVariance; jitter *= 10)
        {
            try
            {
                var lower = (k + MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(m) * jitter).Cholesky().Factor;
                var l = new double[m * m];
                for (int i = 0; i < m; i++)
                {
                    for (int c = 0; c <= i; c++)
                    {
                        l[(i * m) + c] = lower[i, c];
                    }
                }

                return l;
            }
            catch (ArgumentException)
            {
                // Not positive definite at this jitter: more.
            }
        }

        throw new ArgumentException("the inducing points' covariance cannot be factored (duplicate points?)");
    }
}
