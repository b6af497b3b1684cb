namespace Condenser.Learning.GaussianProcesses;

/// <summary>
/// Exact Gaussian-process regression with a constant mean and Gaussian noise: the Cholesky factor of K + σ_n² I grows
/// by one row per observation (O(n²) each), so an acquisition loop adds points as they are measured. Predictions give
/// the posterior mean and variance of the latent function; the log marginal likelihood scores the hyperparameters.
/// </summary>
/// <remarks>
/// Numerically guarded: when a new row would make the factor lose positive definiteness (duplicate points with no
/// noise, a badly scaled kernel) jitter is added to the diagonal, growing tenfold from 1e-10 σ_f² up to 1e-2 σ_f²,
/// and the factor is rebuilt; <see cref="Jitter"/> says what was needed. Beyond that the observation is refused.
/// </remarks>
public sealed class GaussianProcess
{
    private readonly List<double[]> _x = [];
    private readonly List<double> _y = [];
    private readonly List<double[]> _l = []; // row i of the lower factor, i + 1 entries
    private readonly List<double> _z = [];   // L⁻¹ (y − mean)
    private double[]? _alpha;                // (K + σ²I)⁻¹ (y − mean), made when asked for
    private double _logDet;

    /// <summary>A process with <paramref name="kernel"/>, noise variance σ_n² and constant prior mean.</summary>
    public GaussianProcess(Kernel kernel, double noiseVariance, double mean = 0)
    {
        kernel.Check();
        if (!(noiseVariance >= 0) || !double.IsFinite(noiseVariance))
        {
            throw new ArgumentException($"the noise variance {noiseVariance} must be a number ≥ 0");
        }

        if (!double.IsFinite(mean))
        {
            throw new ArgumentException($"the prior mean {mean} must be a finite number");
        }

        Kernel = kernel;
        NoiseVariance = noiseVariance;
        Mean = mean;
    }

    /// <summary>The covariance.</summary>
    public Kernel Kernel { get; }

    /// <summary>σ_n² (the observations' units squared).</summary>
    public double NoiseVariance { get; }

    /// <summary>The prior mean.</summary>
    public double Mean { get; }

    /// <summary>Diagonal jitter that the factorisation needed beyond the noise (0 when none).</summary>
    public double Jitter { get; private set; }

    /// <summary>Observations so far.</summary>
    public int Count => _y.Count;

    /// <summary>The observed inputs.</summary>
    public IReadOnlyList<double[]> Inputs => _x;

    /// <summary>The observed values.</summary>
    public IReadOnlyList<double> Values => _y;

    /// <summary>Adds an observation: <paramref name="y"/> measured at <paramref name="x"/>.</summary>
    public void Add(ReadOnlySpan<double> x, double y)
    {
        if (x.Length != Kernel.Dimensions)
        {
            throw new ArgumentException($"an input of {x.Length} dimensions for a kernel of {Kernel.Dimensions}");
        }

        foreach (double v in x)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("an input holds a value that is not a finite number");
            }
        }

        if (!double.IsFinite(y))
        {
            throw new ArgumentException($"the observation {y} is not a finite number");
        }

        _x.Add(x.ToArray());
        _y.Add(y);
        _alpha = null;
        if (!TryAppendRow(_x.Count - 1))
        {
            Refactor();
        }
    }

    /// <summary>Adds many observations.</summary>
    public void AddRange(IReadOnlyList<double[]> xs, IReadOnlyList<double> ys)
    {
        if (xs.Count != ys.Count)
        {
            throw new ArgumentException($"{xs.Count} inputs and {ys.Count} values");
        }

        for (int i = 0; i < xs.Count; i++)
        {
            Add(xs[i], ys[i]);
        }
    }

    /// <summary>
    /// The log marginal likelihood log p(y | X, θ) = −½ (y−m)ᵀ(K + σ²I)⁻¹(y−m) − ½ log|K + σ²I| − n/2 log 2π.
    /// </summary>
    public double LogMarginalLikelihood
    {
        get
        {
            double quad = 0;
            foreach (double z in _z)
            {
                quad += z * z;
            }

            return (-0.5 * quad) - (0.5 * _logDet) - (0.5 * Count * Math.Log(2 * Math.PI));
        }
    }

    /// <summary>The posterior mean and variance of the latent function at <paramref name="x"/> (no noise added).</summary>
    public (double Mean, double Variance) Predict(ReadOnlySpan<double> x)
    {
        var scratch = new double[Count];
        return Predict(x, scratch);
    }

    /// <summary>Predictions at many inputs, in parallel: means and variances into the spans.</summary>
    public void Predict(IReadOnlyList<double[]> xs, double[] means, double[] variances)
    {
        if (means.Length < xs.Count || variances.Length < xs.Count)
        {
            throw new ArgumentException("the output arrays are shorter than the inputs");
        }

        EnsureAlpha();
        Parallel.For(0, xs.Count, () => new double[Count], (i, _, scratch) =>
        {
            (means[i], variances[i]) = Predict(xs[i], scratch);
            return scratch;
        }, _ => { });
    }

    private (double Mean, double Variance) Predict(ReadOnlySpan<double> x, double[] v)
    {
        if (x.Length != Kernel.Dimensions)
        {
            throw new ArgumentException($"an input of {x.Length} dimensions for a kernel of {Kernel.Dimensions}");
        }

        double prior = Kernel.SignalVariance;
        int n = Count;
        if (n == 0)
        {
            return (Mean, prior);
        }

        var alpha = EnsureAlpha();
        double mean = Mean, sum = 0;
        for (int i = 0; i < n; i++)
        {
            double k = Kernel.Evaluate(x, _x[i]);
            mean += k * alpha[i];

            // Forward substitution: v = L⁻¹ k, one row at a time.
            var row = _l[i];
            double s = k;
            for (int j = 0; j < i; j++)
            {
                s -= row[j] * v[j];
            }

            v[i] = s / row[i];
            sum += v[i] * v[i];
        }

        return (mean, Math.Max(0, prior - sum));
    }

    private double[] EnsureAlpha()
    {
        if (_alpha is { } a)
        {
            return a;
        }

        int n = Count;
        var alpha = _z.ToArray();
        for (int i = n - 1; i >= 0; i--)
        {
            alpha[i] /= _l[i][i];
            for (int j = 0; j < i; j++)
            {
                alpha[j] -= _l[i][j] * alpha[i];
            }
        }

        _alpha = alpha;
        return alpha;
    }

    /// <summary>Extends the factor by the row of observation <paramref name="n"/>; false when it would not stay positive definite.</summary>
    private bool TryAppendRow(int n)
    {
        var x = _x[n];
        var row = new double[n + 1];
        for (int j = 0; j < n; j++)
        {
            double s = Kernel.Evaluate(x, _x[j]);
            var lj = _l[j];
            for (int k = 0; k < j; k++)
            {
                s -= row[k] * lj[k];
            }

            row[j] = s / lj[j];
        }

        double diag = Kernel.SignalVariance + NoiseVariance + Jitter;
        for (int k = 0; k < n; k++)
        {
            diag -= row[k] * row[k];
        }

        // A pivot below this fraction of the prior variance means the new point adds (numerically) nothing.
        if (!(diag > 1e-12 * Kernel.SignalVariance))
        {
            return false;
        }

        row[n] = Math.Sqrt(diag);
        double zn = _y[n] - Mean;
        for (int k = 0; k < n; k++)
        {
            zn -= row[k] * _z[k];
        }

        _l.Add(row);
        _z.Add(zn / row[n]);
        _logDet += 2 * Math.Log(row[n]);
        return true;
    }

    /// <summary>Rebuilds the factor with more jitter until it holds, or refuses the last observation.</summary>
    private void Refactor()
    {
        for (double jitter = Math.Max(Jitter * 10, 1e-10 * Kernel.SignalVariance); jitter <= 1e-2 * Kernel.SignalVariance * 1.0001; jitter *= 10)
        {
            Jitter = jitter;
            _l.Clear();
            _z.Clear();
            _logDet = 0;
            bool ok = true;
            for (int i = 0; i < _x.Count && ok; i++)
            {
                ok = TryAppendRow(i);
            }

            if (ok)
            {
                return;
            }
        }

        // Still singular: drop the observation that broke it and rebuild without it.
        int last = _x.Count - 1;
        var bad = _x[last];
        _x.RemoveAt(last);
        _y.RemoveAt(last);
        _l.Clear();
        _z.Clear();
        _logDet = 0;
        for (int i = 0; i < _x.Count; i++)
        {
            TryAppendRow(i);
        }

        throw new ArgumentException($"the observation at ({string.Join(", ", bad)}) makes the covariance singular even with jitter {Jitter:G3}; it was not added");
    }
}
