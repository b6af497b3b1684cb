using System.Runtime.CompilerServices;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>Deterministic hashing of coordinates and counters: the twin's randomness depends on what, not on when or on which thread.</summary>
internal static class Hash
{
    /// <summary>SplitMix64's finaliser.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong Of(ulong a, ulong b) => Mix(a + (0x9E3779B97F4A7C15UL * (b + 1)));

    public static ulong Of(ulong a, ulong b, ulong c) => Of(Of(a, b), c);

    public static ulong Of(ulong a, ulong b, ulong c, ulong d) => Of(Of(Of(a, b), c), d);

    /// <summary>A uniform double in [0, 1) from a hash.</summary>
    public static double Unit(ulong h) => (h >> 11) * (1.0 / (1UL << 53));

    /// <summary>Smooth value noise in about [0, 1] with features of <paramref name="scale"/> (same units as x, y).</summary>
    public static double ValueNoise(ulong seed, double x, double y, double scale)
    {
        double fx = x / scale, fy = y / scale;
        long ix = (long)Math.Floor(fx), iy = (long)Math.Floor(fy);
        double tx = fx - ix, ty = fy - iy;
        tx = tx * tx * (3 - (2 * tx));
        ty = ty * ty * (3 - (2 * ty));
        double v00 = Unit(Of(seed, (ulong)ix, (ulong)iy)), v10 = Unit(Of(seed, (ulong)(ix + 1), (ulong)iy));
        double v01 = Unit(Of(seed, (ulong)ix, (ulong)(iy + 1))), v11 = Unit(Of(seed, (ulong)(ix + 1), (ulong)(iy + 1)));
        return (v00 * (1 - tx) * (1 - ty)) + (v10 * tx * (1 - ty)) + (v01 * (1 - tx) * ty) + (v11 * tx * ty);
    }

    /// <summary>Two octaves of value noise (about [0, 1]).</summary>
    public static double Fractal(ulong seed, double x, double y, double scale)
        => (0.67 * ValueNoise(seed, x, y, scale)) + (0.33 * ValueNoise(seed ^ 0x5555, x, y, scale / 2.7));
}

/// <summary>
/// xoshiro256** seeded from a hash: fast, deterministic, one per scan position or line. Samplers for uniform,
/// normal and Poisson deviates (PTRS for large means, as NumPy does).
/// </summary>
internal struct Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spare;
    private bool _hasSpare;

    public Rng(ulong seed)
    {
        _s0 = Hash.Mix(seed + 1);
        _s1 = Hash.Mix(seed + 2);
        _s2 = Hash.Mix(seed + 3);
        _s3 = Hash.Mix(seed + 4);
        _spare = 0;
        _hasSpare = false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Next()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Uniform() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Marsaglia's polar method).</summary>
    public double Normal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        double u, v, s;
        do
        {
            u = (2 * Uniform()) - 1;
            v = (2 * Uniform()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);
        double f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spare = v * f;
        _hasSpare = true;
        return u * f;
    }

    /// <summary>A Poisson deviate of mean <paramref name="mean"/> (≥ 0).</summary>
    public long Poisson(double mean)
    {
        if (!(mean > 0))
        {
            return 0;
        }

        if (mean < 10)
        {
            // Inversion by sequential search from 0.
            double u = Uniform(), p = Math.Exp(-mean), f = p;
            long k = 0;
            while (u > f && k < 200)
            {
                k++;
                p *= mean / k;
                f += p;
            }

            return k;
        }

        return Ptrs(mean);
    }

    /// <summary>Hörmann's transformed rejection with squeeze (PTRS), for means ≥ 10.</summary>
    private long Ptrs(double lam)
    {
        double slam = Math.Sqrt(lam), loglam = Math.Log(lam);
        double b = 0.931 + (2.53 * slam), a = -0.059 + (0.02483 * b);
        double invalpha = 1.1239 + (1.1328 / (b - 3.4)), vr = 0.9277 - (3.6224 / (b - 2));
        while (true)
        {
            double u = Uniform() - 0.5, v = Uniform(), us = 0.5 - Math.Abs(u);
            long k = (long)Math.Floor((((2 * a / us) + b) * u) + lam + 0.43);
            if (us >= 0.07 && v <= vr)
            {
                return k;
            }

            if (k < 0 || (us < 0.013 && v > us))
            {
                continue;
            }

            if (Math.Log(v) + Math.Log(invalpha) - Math.Log((a / (us * us)) + b) <= -lam + (k * loglam) - LogFactorial(k))
            {
                return k;
            }
        }
    }

    private static readonly double[] LogFactorials = BuildLogFactorials(256);

    private static double[] BuildLogFactorials(int n)
    {
        var t = new double[n];
        for (int i = 1; i < n; i++)
        {
            t[i] = t[i - 1] + Math.Log(i);
        }

        return t;
    }

    /// <summary>ln k! (a table below 256, Stirling's series above).</summary>
    internal static double LogFactorial(long k)
    {
        if (k < LogFactorials.Length)
        {
            return LogFactorials[k];
        }

        double x = k + 1.0;
        return ((x - 0.5) * Math.Log(x)) - x + (0.5 * Math.Log(2 * Math.PI)) + (1 / (12 * x)) - (1 / (360 * x * x * x));
    }
}
