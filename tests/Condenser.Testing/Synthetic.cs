using Condenser.Data;
using Condenser.Formats;

namespace Condenser.Testing;

/// <summary>Synthetic images written as real files (TIFF), for cases with a known answer.</summary>
public static class Synthetic
{
    /// <summary>A lattice of Gaussian atom columns with period <paramref name="period"/> px, plus a little noise.</summary>
    public static float[] Lattice(int n, double period, int seed)
    {
        var rng = new Random(seed);
        var v = new float[n * n];
        double phase = rng.NextDouble() * period;
        for (int y = 0; y < n; y++)
        {
            for (int x = 0; x < n; x++)
            {
                v[(y * n) + x] = (float)((Math.Cos(2 * Math.PI * (x + phase) / period) * Math.Cos(2 * Math.PI * (y + phase) / period)) + (0.05 * rng.NextDouble()));
            }
        }

        return v;
    }

    /// <summary>Uncorrelated noise.</summary>
    public static float[] Noise(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n * n).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    /// <summary>A smooth gradient with one bright blob.</summary>
    public static float[] Blob(int n, int seed)
    {
        var rng = new Random(seed);
        double cy = n * (0.3 + (0.4 * rng.NextDouble())), cx = n * (0.3 + (0.4 * rng.NextDouble())), s = n / 8.0;
        var v = new float[n * n];
        for (int y = 0; y < n; y++)
        {
            for (int x = 0; x < n; x++)
            {
                v[(y * n) + x] = (float)((x / (double)n) + (5 * Math.Exp(-(((y - cy) * (y - cy)) + ((x - cx) * (x - cx))) / (2 * s * s))));
            }
        }

        return v;
    }

    /// <summary>Writes an n × n float32 image as TIFF.</summary>
    public static string WriteTiff(string folder, string name, float[] values)
    {
        int n = (int)Math.Sqrt(values.Length);
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        using var ds = EmDataset.FromBytes(name, [], [n, n], DType.Float32, bytes);
        var path = Path.Combine(folder, name + ".tif");
        FormatRegistry.Writers.First(w => w.Name == "tiff").Write(path, [ds]);
        return path;
    }

    /// <summary>A Gaussian of centre <paramref name="mu"/> and width <paramref name="sigma"/>, 1 at its peak.</summary>
    public static double Gauss(double x, double mu, double sigma) => Math.Exp(-0.5 * Math.Pow((x - mu) / sigma, 2));

    /// <summary>Spectra mixing two known non-negative components with known weights.</summary>
    public static (double[][] Spectra, double[][] Components, double[][] Weights) Mixture(int n, int channels, int seed)
    {
        var rng = new Random(seed);
        var c1 = Enumerable.Range(0, channels).Select(i => Gauss(i, channels * 0.3, channels * 0.05)).ToArray();
        var c2 = Enumerable.Range(0, channels).Select(i => Gauss(i, channels * 0.7, channels * 0.08)).ToArray();
        var weights = Enumerable.Range(0, n).Select(_ => new[] { rng.NextDouble() * 10, rng.NextDouble() * 5 }).ToArray();
        var spectra = weights.Select(w => Enumerable.Range(0, channels).Select(i => (w[0] * c1[i]) + (w[1] * c2[i])).ToArray()).ToArray();
        return (spectra, [c1, c2], weights);
    }
}
