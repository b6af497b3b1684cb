using System.Numerics;
using System.Runtime.InteropServices;
using Condenser.Processing.Imaging;

namespace Condenser.Learning.Segmentation;

/// <summary>
/// Gaussian smoothing of float images, one separable pass per axis, with the kernel truncated at 4σ as
/// scipy.ndimage.gaussian_filter does (radius ⌊4σ + 0.5⌋, weights normalised to sum 1). The SIMD path works on an
/// image already padded by the kernel's radius on every side and fills only the interior; its scalar reference is
/// <see cref="Filters.Gaussian"/> (double precision, edges reflected as scipy's "reflect" mode: d c b a | a b c d).
/// </summary>
public static class SeparableGaussian
{
    /// <summary>The kernel's radius for <paramref name="sigma"/> (pixels), as scipy truncates it.</summary>
    public static int Radius(double sigma) => Filters.GaussianRadius(sigma);

    /// <summary>The normalised kernel of 2·radius + 1 weights, in single precision.</summary>
    public static float[] Kernel(double sigma) => [.. Filters.GaussianKernel(sigma).Select(v => (float)v)];

    /// <summary>
    /// Smooths the padded image <paramref name="source"/> (<paramref name="height"/> × <paramref name="width"/>, row
    /// major) into <paramref name="destination"/>: exact where a point lies at least the radius away from every edge;
    /// within the radius of an edge the values are the source's (the caller pads by at least the radius and keeps only
    /// the interior). <paramref name="scratch"/> holds one image.
    /// </summary>
    public static void SmoothInterior(ReadOnlySpan<float> source, Span<float> destination, Span<float> scratch, int height, int width, float[] kernel)
    {
        int r = kernel.Length / 2;
        Check(source.Length, destination.Length, scratch.Length, height, width);
        scratch = scratch[..(height * width)];
        if (r == 0 || width <= 2 * r || height <= 2 * r)
        {
            source.CopyTo(destination);
            return;
        }

        // Along rows: scratch[y, x] = Σ k[t] source[y, x + t − r] for r ≤ x < width − r; the edge columns are copied.
        for (int y = 0; y < height; y++)
        {
            var src = source.Slice(y * width, width);
            var dst = scratch.Slice(y * width, width);
            src[..r].CopyTo(dst);
            src[(width - r)..].CopyTo(dst[(width - r)..]);
            ConvolveRow(src, dst.Slice(r, width - (2 * r)), kernel);
        }

        // Along columns, in strips of columns whose window of 2r + 1 rows stays in cache: destination[y, ·] =
        // Σ k[t] scratch[y + t − r, ·] for r ≤ y < height − r; the edge rows are copied.
        scratch[..(r * width)].CopyTo(destination);
        scratch[((height - r) * width)..].CopyTo(destination[((height - r) * width)..]);
        for (int x0 = 0; x0 < width; x0 += Strip)
        {
            int x1 = Math.Min(width, x0 + Strip);
            for (int y = r; y < height - r; y++)
            {
                ConvolveColumn(scratch, destination, width, y, x0, x1, kernel);
            }
        }
    }

    /// <summary>Columns per strip of the column pass (floats).</summary>
    private const int Strip = 512;

    /// <summary>destination[x] = Σ k[t] source[x + t] for the destination's length (symmetric kernel: pairs of taps share a weight).</summary>
    private static void ConvolveRow(ReadOnlySpan<float> source, Span<float> destination, float[] kernel)
    {
        int r = kernel.Length / 2, n = destination.Length, x = 0;
        ref float s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        if (Vector.IsHardwareAccelerated)
        {
            for (; x <= n - Vector<float>.Count; x += Vector<float>.Count)
            {
                var acc = new Vector<float>(kernel[r]) * Vector.LoadUnsafe(ref s, (nuint)(x + r));
                for (int t = 0; t < r; t++)
                {
                    acc += new Vector<float>(kernel[t]) * (Vector.LoadUnsafe(ref s, (nuint)(x + t)) + Vector.LoadUnsafe(ref s, (nuint)(x + (2 * r) - t)));
                }

                acc.StoreUnsafe(ref d, (nuint)x);
            }
        }

        for (; x < n; x++)
        {
            float acc = kernel[r] * source[x + r];
            for (int t = 0; t < r; t++)
            {
                acc += kernel[t] * (source[x + t] + source[x + (2 * r) - t]);
            }

            destination[x] = acc;
        }
    }

    /// <summary>Row <paramref name="y"/> of destination, columns x0..x1: Σ k[t] source[y + t − r, x] (symmetric kernel).</summary>
    private static void ConvolveColumn(ReadOnlySpan<float> source, Span<float> destination, int width, int y, int x0, int x1, float[] kernel)
    {
        int r = kernel.Length / 2, x = x0;
        ref float s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        nuint centre = (nuint)(y * width);
        if (Vector.IsHardwareAccelerated)
        {
            for (; x <= x1 - Vector<float>.Count; x += Vector<float>.Count)
            {
                var acc = new Vector<float>(kernel[r]) * Vector.LoadUnsafe(ref s, centre + (nuint)x);
                for (int t = 0; t < r; t++)
                {
                    nuint above = (nuint)(((y - r + t) * width) + x), below = (nuint)(((y + r - t) * width) + x);
                    acc += new Vector<float>(kernel[t]) * (Vector.LoadUnsafe(ref s, above) + Vector.LoadUnsafe(ref s, below));
                }

                acc.StoreUnsafe(ref d, centre + (nuint)x);
            }
        }

        for (; x < x1; x++)
        {
            float acc = kernel[r] * source[(y * width) + x];
            for (int t = 0; t < r; t++)
            {
                acc += kernel[t] * (source[((y - r + t) * width) + x] + source[((y + r - t) * width) + x]);
            }

            destination[(y * width) + x] = acc;
        }
    }

    private static void Check(int source, int destination, int scratch, int height, int width)
    {
        long n = (long)height * width;
        if (height < 1 || width < 1 || source != n || destination != n || scratch < n)
        {
            throw new ArgumentException($"Gaussian smoothing: {source}/{destination}/{scratch} values for a {height}×{width} image");
        }
    }
}
