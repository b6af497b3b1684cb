using System.Numerics;

namespace Condenser.Processing.Imaging;

/// <summary>Image filters: separable Gaussian blur and a Fourier band-pass.</summary>
public static class Filters
{
    /// <summary>
    /// Gaussian blur with standard deviation <paramref name="sigma"/>, kernel truncated at 4σ, edges reflected
    /// (scipy.ndimage.gaussian_filter's default "reflect" mode).
    /// </summary>
    /// <remarks>Units: pixels.</remarks>
    public static double[] Gaussian(ReadOnlySpan<double> image, int height, int width, double sigma)
    {
        if (image.Length != height * width || !(sigma >= 0))
        {
            throw new ArgumentException($"Gaussian filter: {image.Length} values for {height}×{width}, sigma {sigma}");
        }

        var result = image.ToArray();
        if (sigma == 0)
        {
            return result;
        }

        var kernel = GaussianKernel(sigma);
        int radius = kernel.Length / 2;
        var tmp = new double[result.Length];
        Convolve(result, tmp, height, width, kernel, radius, alongRows: true);
        Convolve(tmp, result, height, width, kernel, radius, alongRows: false);
        return result;
    }

    /// <summary>The kernel's radius for <paramref name="sigma"/> (pixels), truncated at 4σ as scipy does: ⌊4σ + 0.5⌋.</summary>
    public static int GaussianRadius(double sigma) => sigma <= 0 ? 0 : (int)((4 * sigma) + 0.5);

    /// <summary>The normalised Gaussian kernel of 2·<see cref="GaussianRadius"/> + 1 weights (a single 1 for σ = 0).</summary>
    public static double[] GaussianKernel(double sigma)
    {
        int radius = GaussianRadius(sigma);
        var kernel = new double[(2 * radius) + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++)
        {
            kernel[i + radius] = sigma <= 0 ? 1 : Math.Exp(-0.5 * i * i / (sigma * sigma));
            sum += kernel[i + radius];
        }

        for (int i = 0; i < kernel.Length; i++)
        {
            kernel[i] /= sum;
        }

        return kernel;
    }

    /// <summary>
    /// Keeps spatial frequencies between about 1/<paramref name="largePeriod"/> and 1/<paramref name="smallPeriod"/>
    /// with smooth Gaussian edges (a difference of Gaussians): in Fourier space the image is multiplied by
    /// exp(−2π²σ_s²k²) − exp(−2π²σ_l²k²) with σ = period / (2π) and k in cycles per pixel.
    /// </summary>
    /// <remarks>Units: periods in pixels; 0 for <paramref name="largePeriod"/> keeps all low frequencies.</remarks>
    public static double[] BandPass(ReadOnlySpan<double> image, int height, int width, double smallPeriod, double largePeriod)
    {
        if (!(smallPeriod >= 0) || !(largePeriod >= 0) || (largePeriod > 0 && largePeriod <= smallPeriod))
        {
            throw new ArgumentException($"band-pass periods {smallPeriod} to {largePeriod} pixels: the large period must exceed the small one");
        }

        var f = Fourier2D.Forward(image, height, width);
        double ss = smallPeriod / (2 * Math.PI), sl = largePeriod / (2 * Math.PI);
        for (int y = 0; y < height; y++)
        {
            double ky = Fourier2D.Frequency(y, height);
            for (int x = 0; x < width; x++)
            {
                double kx = Fourier2D.Frequency(x, width), k2 = (ky * ky) + (kx * kx);
                double low = Math.Exp(-2 * Math.PI * Math.PI * ss * ss * k2);
                double high = largePeriod > 0 ? Math.Exp(-2 * Math.PI * Math.PI * sl * sl * k2) : 0;
                f[(y * width) + x] *= low - high;
            }
        }

        return Fourier2D.InverseReal(f, height, width);
    }

    private static void Convolve(double[] src, double[] dst, int height, int width, double[] kernel, int radius, bool alongRows)
    {
        int n = alongRows ? width : height;
        Parallel.For(0, alongRows ? height : width, line =>
        {
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                for (int k = -radius; k <= radius; k++)
                {
                    int j = Reflect(i + k, n);
                    s += kernel[k + radius] * (alongRows ? src[(line * width) + j] : src[(j * width) + line]);
                }

                if (alongRows)
                {
                    dst[(line * width) + i] = s;
                }
                else
                {
                    dst[(i * width) + line] = s;
                }
            }
        });
    }

    /// <summary>scipy's "reflect" boundary (d c b a | a b c d | d c b a): the index within 0..n − 1 that index <paramref name="i"/> reads.</summary>
    public static int Reflect(int i, int n)
    {
        if (n == 1)
        {
            return 0;
        }

        int period = 2 * n;
        i %= period;
        if (i < 0)
        {
            i += period;
        }

        return i < n ? i : period - 1 - i;
    }
}
