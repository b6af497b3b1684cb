using System.Collections.Concurrent;
using System.Numerics;

namespace Condenser.Processing.Imaging;

/// <summary>
/// In-place iterative radix-2 FFT of power-of-two lengths with cached twiddle factors, unscaled both ways
/// (forward: e^{-2πi kn/N}). MathNet's managed transform spends ~20× longer on the 512- and 1024-point rows and
/// columns of an iDPC integration; other lengths still go to MathNet (<see cref="Fourier2D"/>).
/// </summary>
public static class Radix2Fft
{
    private static readonly ConcurrentDictionary<(int Length, bool Inverse), Complex[]> Twiddles = new();

    /// <summary>True when <paramref name="n"/> is a power of two (1 included).</summary>
    public static bool Handles(int n) => n > 0 && (n & (n - 1)) == 0;

    /// <summary>Transforms <paramref name="data"/> in place; its length must be a power of two.</summary>
    public static void Transform(Span<Complex> data, bool inverse)
    {
        int n = data.Length;
        if (!Handles(n))
        {
            throw new ArgumentException($"a radix-2 transform needs a power-of-two length, not {n}");
        }

        if (n == 1)
        {
            return;
        }

        // Bit-reversal permutation.
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (data[i], data[j]) = (data[j], data[i]);
            }
        }

        // Butterflies: w[k] = e^{∓2πi k/n}; a stage of length L uses every (n/L)-th factor.
        var w = Twiddles.GetOrAdd((n, inverse), Make);
        for (int len = 2; len <= n; len <<= 1)
        {
            int half = len >> 1, step = n / len;
            for (int start = 0; start < n; start += len)
            {
                for (int k = 0; k < half; k++)
                {
                    var b = data[start + k + half] * w[k * step];
                    var a = data[start + k];
                    data[start + k] = a + b;
                    data[start + k + half] = a - b;
                }
            }
        }
    }

    private static Complex[] Make((int Length, bool Inverse) key)
    {
        int n = key.Length;
        var w = new Complex[n / 2];
        for (int k = 0; k < w.Length; k++)
        {
            double angle = (key.Inverse ? 2 : -2) * Math.PI * k / n;
            w[k] = new Complex(Math.Cos(angle), Math.Sin(angle));
        }

        return w;
    }
}
