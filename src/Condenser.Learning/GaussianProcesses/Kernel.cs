namespace Condenser.Learning.GaussianProcesses;

/// <summary>The shape of a stationary kernel as a function of the scaled distance r.</summary>
public enum KernelKind
{
    /// <summary>Squared exponential: exp(−r²/2).</summary>
    Rbf,

    /// <summary>Matérn ν = 3/2: (1 + √3 r) exp(−√3 r).</summary>
    Matern32,

    /// <summary>Matérn ν = 5/2: (1 + √5 r + 5r²/3) exp(−√5 r).</summary>
    Matern52,
}

/// <summary>
/// A stationary covariance k(a, b) = σ_f² · g(r) with per-dimension length scales (automatic relevance
/// determination): r² = Σ_d ((a_d − b_d) / ℓ_d)².
/// </summary>
/// <param name="Kind">The shape g.</param>
/// <param name="LengthScales">ℓ_d, one per input dimension (in the inputs' units, &gt; 0).</param>
/// <param name="SignalVariance">σ_f² (the target's units squared, &gt; 0).</param>
public sealed record Kernel(KernelKind Kind, double[] LengthScales, double SignalVariance)
{
    /// <summary>Input dimensions.</summary>
    public int Dimensions => LengthScales.Length;

    /// <summary>Refuses length scales or a variance that are not positive and finite.</summary>
    public void Check()
    {
        if (LengthScales.Length == 0 || LengthScales.Any(l => !(l > 0) || !double.IsFinite(l)))
        {
            throw new ArgumentException($"kernel length scales must be positive numbers, one per dimension: [{string.Join(", ", LengthScales)}]");
        }

        if (!(SignalVariance > 0) || !double.IsFinite(SignalVariance))
        {
            throw new ArgumentException($"the kernel's signal variance {SignalVariance} must be a positive number");
        }
    }

    /// <summary>k(a, b).</summary>
    public double Evaluate(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double r2 = 0;
        for (int d = 0; d < LengthScales.Length; d++)
        {
            double t = (a[d] - b[d]) / LengthScales[d];
            r2 += t * t;
        }

        return SignalVariance * Profile(Kind, r2);
    }

    /// <summary>g as a function of r² (g(0) = 1).</summary>
    public static double Profile(KernelKind kind, double r2)
    {
        switch (kind)
        {
            case KernelKind.Rbf:
                return Math.Exp(-0.5 * r2);
            case KernelKind.Matern32:
            {
                double s = Math.Sqrt(3 * r2);
                return (1 + s) * Math.Exp(-s);
            }

            default:
            {
                double s = Math.Sqrt(5 * r2);
                return (1 + s + (5 * r2 / 3)) * Math.Exp(-s);
            }
        }
    }
}
