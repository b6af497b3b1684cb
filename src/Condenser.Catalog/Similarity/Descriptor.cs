using Condenser.Processing.Imaging;

namespace Condenser.Catalog.Similarity;

/// <summary>
/// A content descriptor of a dataset's preview, robust to size, offset and gain: for pictures the radially averaged
/// log power spectrum (texture and periodicity), for spectra the normalised profile; for both an intensity histogram
/// of the standardised values and their skewness and kurtosis. <see cref="SimilarityIndex"/> reduces it by PCA.
/// </summary>
public static class Descriptor
{
    /// <summary>Length of a descriptor.</summary>
    public const int Length = 32;

    private const int Side = 64, Radial = 14, Bins = 12;

    /// <summary>The descriptor of grey values <paramref name="height"/> × <paramref name="width"/>, row-major (height 1: a spectrum).</summary>
    public static float[] Of(double[] values, int width, int height)
    {
        if (values.Length != (long)width * height)
        {
            throw new ArgumentException($"{values.Length} values given for {height} × {width}", nameof(values));
        }

        var d = new float[Length];
        bool oneD = height == 1;
        if (oneD)
        {
            var profile = Standardise(Resample1D(values, Radial));
            for (int i = 0; i < Radial; i++)
            {
                d[i] = (float)profile[i];
            }
        }
        else
        {
            var small = Resample2D(values, height, width, Side);
            var power = Fourier2D.PowerSpectrum(Standardise(small), Side, Side);
            var radial = new double[Radial];
            var counts = new int[Radial];
            for (int y = 0; y < Side; y++)
            {
                for (int x = 0; x < Side; x++)
                {
                    double fy = Fourier2D.Frequency(y, Side), fx = Fourier2D.Frequency(x, Side);
                    double f = Math.Sqrt((fy * fy) + (fx * fx));
                    if (f <= 0 || f > 0.5)
                    {
                        continue;
                    }

                    // Log-spaced bins from 1/64 to 1/2 cycles per pixel.
                    int b = (int)Math.Clamp(Math.Floor(Math.Log(f * Side) / Math.Log(Side / 2.0) * Radial), 0, Radial - 1);
                    radial[b] += power[(y * Side) + x];
                    counts[b]++;
                }
            }

            // Log of the mean power in each band, relative to the mean over the bands (so gain does not matter); a
            // periodic image puts a peak in its band, noise is flat. Divided by 8 so that where the peak sits weighs less than whether there is one (below).
            double total = 0;
            for (int i = 0; i < Radial; i++)
            {
                radial[i] = Math.Log(1e-12 + (counts[i] > 0 ? radial[i] / counts[i] : 0));
                total += radial[i];
            }

            for (int i = 0; i < Radial; i++)
            {
                d[i] = (float)((radial[i] - (total / Radial)) / 8);
            }

            // Where the power sits does not tell a lattice from another lattice; how concentrated it is does: spectral
            // flatness (geometric over arithmetic mean) and the strongest peak over the mean, both as logs.
            double logSum = 0, sum = 0, max = 0;
            int m = 0;
            for (int i = 1; i < power.Length; i++)
            {
                logSum += Math.Log(1e-12 + power[i]);
                sum += power[i];
                max = Math.Max(max, power[i]);
                m++;
            }

            double mean = sum / Math.Max(1, m);
            d[Radial] = 2 * (float)Math.Tanh(((logSum / Math.Max(1, m)) - Math.Log(1e-12 + mean)) / 5);
            d[Radial + 1] = 2 * (float)Math.Tanh(Math.Log((1e-12 + max) / (1e-12 + mean)) / 10);
        }

        var z = Standardise(values.Where(double.IsFinite).ToArray());
        var hist = new double[Bins];
        double skew = 0, kurt = 0;
        foreach (var v in z)
        {
            hist[(int)Math.Clamp(Math.Floor((v + 3) / 6 * Bins), 0, Bins - 1)]++;
            skew += v * v * v;
            kurt += v * v * v * v;
        }

        int n = Math.Max(1, z.Length);
        for (int i = 0; i < Bins; i++)
        {
            d[Radial + 2 + i] = (float)(hist[i] / n * 4);
        }

        d[Radial + 2 + Bins] = (float)Math.Tanh(skew / n / 3);
        d[Radial + 2 + Bins + 1] = (float)Math.Tanh(((kurt / n) - 3) / 10);
        d[Radial + 2 + Bins + 2] = oneD ? 3 : 0;
        d[Radial + 2 + Bins + 3] = (float)Math.Tanh(Math.Log(width / (double)height));
        return d;
    }

    private static double[] Standardise(double[] v)
    {
        if (v.Length == 0)
        {
            return v;
        }

        double mean = v.Average();
        double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
        return v.Select(x => sd > 0 ? (x - mean) / sd : 0).ToArray();
    }

    private static double[] Resample1D(double[] v, int n)
    {
        var o = new double[n];
        for (int i = 0; i < n; i++)
        {
            int a = (int)((long)i * v.Length / n), b = Math.Max(a + 1, (int)((long)(i + 1) * v.Length / n));
            double s = 0;
            int c = 0;
            for (int j = a; j < Math.Min(b, v.Length); j++)
            {
                if (double.IsFinite(v[j]))
                {
                    s += v[j];
                    c++;
                }
            }

            o[i] = c > 0 ? s / c : 0;
        }

        return o;
    }

    /// <summary>Box-averages (or repeats) an image to side × side.</summary>
    private static double[] Resample2D(double[] v, int h, int w, int side)
    {
        var o = new double[side * side];
        for (int y = 0; y < side; y++)
        {
            int y0 = (int)((long)y * h / side), y1 = Math.Max(y0 + 1, (int)((long)(y + 1) * h / side));
            for (int x = 0; x < side; x++)
            {
                int x0 = (int)((long)x * w / side), x1 = Math.Max(x0 + 1, (int)((long)(x + 1) * w / side));
                double s = 0;
                int c = 0;
                for (int yy = y0; yy < Math.Min(y1, h); yy++)
                {
                    for (int xx = x0; xx < Math.Min(x1, w); xx++)
                    {
                        double val = v[((long)yy * w) + xx];
                        if (double.IsFinite(val))
                        {
                            s += val;
                            c++;
                        }
                    }
                }

                o[(y * side) + x] = c > 0 ? s / c : 0;
            }
        }

        return o;
    }
}
