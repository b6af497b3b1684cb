using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Condenser.Processing.Imaging;

namespace Condenser.Learning.Segmentation;

/// <summary>
/// The multi-scale filter bank of pixel classification (the features ilastik offers): at every scale σ the Gaussian
/// smoothing, its gradient magnitude, Laplacian, the two Hessian eigenvalues, the two structure-tensor eigenvalues
/// (the gradient's outer products smoothed at σ/2), the local standard deviation (texture) and a difference of
/// Gaussians with the next finer scale (the finest against the raw image); plus the raw intensity.
/// </summary>
/// <remarks>
/// Scales in pixels. Derivatives are central differences of the smoothed image (not Gaussian-derivative kernels);
/// every operation reflects at the image's edges (scipy.ndimage's "reflect"). The image is processed in bands of rows,
/// each padded by <see cref="Halo"/> reflected rows and columns, so memory is bounded by the band, not the image, and a
/// band gives the same values as the whole image.
/// </remarks>
public sealed class FilterBank
{
    /// <summary>Version of the features: a saved model names it, and a model of another version is refused.</summary>
    public const int Version = 1;

    /// <summary>The features computed at every scale, in order.</summary>
    public static readonly string[] PerScale = ["gaussian", "gradient magnitude", "laplacian", "hessian eigenvalue 1", "hessian eigenvalue 2", "structure tensor eigenvalue 1", "structure tensor eigenvalue 2", "local standard deviation", "difference of gaussians"];

    /// <summary>The default scales (pixels).</summary>
    public static readonly double[] DefaultScales = [1, 2, 4, 8];

    /// <summary>A bank over <paramref name="scales"/> (pixels, increasing, each in 0.3..64).</summary>
    public FilterBank(IReadOnlyList<double> scales)
    {
        if (scales.Count == 0 || scales.Count > 12)
        {
            throw new ArgumentException($"{scales.Count} filter scales: give 1 to 12");
        }

        for (int i = 0; i < scales.Count; i++)
        {
            if (!(scales[i] >= 0.3 && scales[i] <= 64) || (i > 0 && !(scales[i] > scales[i - 1])))
            {
                throw new ArgumentException($"filter scales {string.Join(", ", scales)}: each between 0.3 and 64 pixels, increasing");
            }
        }

        Scales = [.. scales];
        Halo = scales.Max(s => SeparableGaussian.Radius(s) + SeparableGaussian.Radius(s / 2) + 2);
        Names = ["raw intensity", .. Scales.SelectMany(s => PerScale.Select(f => $"{f} σ={s:0.###}"))];
    }

    /// <summary>The scales (pixels).</summary>
    public double[] Scales { get; }

    /// <summary>The features' names, in the order of <see cref="Compute"/>'s planes.</summary>
    public string[] Names { get; }

    /// <summary>Number of features per pixel.</summary>
    public int Count => Names.Length;

    /// <summary>Rows and columns of padding a band needs on every side (pixels).</summary>
    public int Halo { get; }

    /// <summary>
    /// The features of rows <paramref name="row0"/>..<paramref name="row1"/> of <paramref name="image"/>
    /// (<paramref name="height"/> × <paramref name="width"/>, row major): <see cref="Count"/> planes whose first
    /// (row1 − row0) × width values are the band's. The planes and every intermediate belong to
    /// <paramref name="workspace"/> (a new one when null) and are overwritten by its next use: one workspace per thread.
    /// </summary>
    public float[][] Compute(ReadOnlySpan<float> image, int height, int width, int row0, int row1, FeatureWorkspace? workspace = null)
    {
        if (image.Length != (long)height * width || row0 < 0 || row1 > height || row1 <= row0)
        {
            throw new ArgumentException($"filter bank: rows {row0}..{row1} of a {height}×{width} image ({image.Length} values)");
        }

        int pad = Halo, rows = row1 - row0, ph = rows + (2 * pad), pw = width + (2 * pad), n = ph * pw;
        var ws = workspace ?? new FeatureWorkspace();
        ws.Ensure(n, rows * width, Count);
        var planes = ws.Planes;
        var padded = ws.Buffers[0];
        var squared = ws.Buffers[1];
        var g2 = ws.Buffers[2];
        var scratch = ws.Buffers[3];
        float[] sxx = ws.Buffers[4], syy = ws.Buffers[5], sxy = ws.Buffers[6], t = ws.Buffers[7];
        float[] g = ws.Buffers[8], spare = ws.Buffers[9];

        // The band and its halo, reflected at the image's edges.
        for (int y = 0; y < ph; y++)
        {
            var src = image.Slice(Filters.Reflect(row0 - pad + y, height) * width, width);
            var dst = padded.AsSpan(y * pw, pw);
            src.CopyTo(dst.Slice(pad, width));
            for (int x = 0; x < pad; x++)
            {
                dst[x] = src[Filters.Reflect(x - pad, width)];
                dst[pw - 1 - x] = src[Filters.Reflect(width + pad - 1 - x, width)];
            }
        }

        for (int y = 0; y < rows; y++)
        {
            padded.AsSpan(((y + pad) * pw) + pad, width).CopyTo(planes[0].AsSpan(y * width, width));
        }

        TensorPrimitives.Multiply(padded.AsSpan(0, n), padded.AsSpan(0, n), squared.AsSpan(0, n));
        var previous = padded;
        for (int s = 0; s < Scales.Length; s++)
        {
            var kernel = SeparableGaussian.Kernel(Scales[s]);
            SeparableGaussian.SmoothInterior(padded.AsSpan(0, n), g.AsSpan(0, n), scratch, ph, pw, kernel);
            SeparableGaussian.SmoothInterior(squared.AsSpan(0, n), g2.AsSpan(0, n), scratch, ph, pw, kernel);

            // The gradient's products, one pixel in from the padded band's edges (the edges themselves are zero);
            // smoothed at σ/2 they are the structure tensor.
            sxx.AsSpan(0, pw).Clear();
            syy.AsSpan(0, pw).Clear();
            sxy.AsSpan(0, pw).Clear();
            for (int y = 1; y < ph - 1; y++)
            {
                GradientProducts(g, y * pw, pw, sxx, syy, sxy);
            }

            sxx.AsSpan((ph - 1) * pw, pw).Clear();
            syy.AsSpan((ph - 1) * pw, pw).Clear();
            sxy.AsSpan((ph - 1) * pw, pw).Clear();
            var outer = SeparableGaussian.Kernel(Scales[s] / 2);
            SeparableGaussian.SmoothInterior(sxx.AsSpan(0, n), t.AsSpan(0, n), scratch, ph, pw, outer);
            (sxx, t) = (t, sxx);
            SeparableGaussian.SmoothInterior(syy.AsSpan(0, n), t.AsSpan(0, n), scratch, ph, pw, outer);
            (syy, t) = (t, syy);
            SeparableGaussian.SmoothInterior(sxy.AsSpan(0, n), t.AsSpan(0, n), scratch, ph, pw, outer);
            (sxy, t) = (t, sxy);
            int f0 = 1 + (s * PerScale.Length);
            for (int y = 0; y < rows; y++)
            {
                FeatureRow(new FeatureInputs(g, previous, g2, sxx, syy, sxy), ((y + pad) * pw) + pad, pw, planes, f0, y * width, width);
            }

            // This scale's smoothing is the next one's finer scale.
            (previous, g) = (g, previous == padded ? spare : previous);
        }

        return planes;
    }

    /// <summary>The smoothed images one row of features is computed from (all of the padded band's size).</summary>
    private readonly record struct FeatureInputs(float[] Smooth, float[] Finer, float[] SmoothOfSquare, float[] Sxx, float[] Syy, float[] Sxy);

    /// <summary>Row products of the central-difference gradient of <paramref name="g"/>, columns 1..width − 2 (columns 0 and width − 1 zero).</summary>
    private static void GradientProducts(float[] g, int row, int width, float[] sxx, float[] syy, float[] sxy)
    {
        sxx[row] = syy[row] = sxy[row] = 0;
        sxx[row + width - 1] = syy[row + width - 1] = sxy[row + width - 1] = 0;
        int x = 1;
        ref float gr = ref MemoryMarshal.GetArrayDataReference(g);
        if (Vector.IsHardwareAccelerated)
        {
            var half = new Vector<float>(0.5f);
            for (; x <= width - 1 - Vector<float>.Count; x += Vector<float>.Count)
            {
                nuint i = (nuint)(row + x);
                var dx = half * (Vector.LoadUnsafe(ref gr, i + 1) - Vector.LoadUnsafe(ref gr, i - 1));
                var dy = half * (Vector.LoadUnsafe(ref gr, i + (nuint)width) - Vector.LoadUnsafe(ref gr, i - (nuint)width));
                (dx * dx).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(sxx), i);
                (dy * dy).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(syy), i);
                (dx * dy).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(sxy), i);
            }
        }

        for (; x < width - 1; x++)
        {
            int i = row + x;
            float dx = 0.5f * (g[i + 1] - g[i - 1]), dy = 0.5f * (g[i + width] - g[i - width]);
            sxx[i] = dx * dx;
            syy[i] = dy * dy;
            sxy[i] = dx * dy;
        }
    }

    /// <summary>
    /// One row of one scale's features: from padded index <paramref name="i0"/> of the inputs into planes
    /// <paramref name="f0"/>.. at <paramref name="o0"/>. The vector and scalar paths do the same operations in the same
    /// order, so a pixel's features do not depend on where the row's vectors fall.
    /// </summary>
    private static void FeatureRow(FeatureInputs input, int i0, int pw, float[][] planes, int f0, int o0, int width)
    {
        int x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float g = ref MemoryMarshal.GetArrayDataReference(input.Smooth);
            ref float finer = ref MemoryMarshal.GetArrayDataReference(input.Finer);
            ref float g2 = ref MemoryMarshal.GetArrayDataReference(input.SmoothOfSquare);
            ref float sxx = ref MemoryMarshal.GetArrayDataReference(input.Sxx);
            ref float syy = ref MemoryMarshal.GetArrayDataReference(input.Syy);
            ref float sxy = ref MemoryMarshal.GetArrayDataReference(input.Sxy);
            Vector<float> half = new(0.5f), quarter = new(0.25f), two = new(2f);
            nuint up = (nuint)pw;
            for (; x <= width - Vector<float>.Count; x += Vector<float>.Count)
            {
                nuint i = (nuint)(i0 + x), o = (nuint)(o0 + x);
                var c = Vector.LoadUnsafe(ref g, i);
                var l = Vector.LoadUnsafe(ref g, i - 1);
                var r = Vector.LoadUnsafe(ref g, i + 1);
                var u = Vector.LoadUnsafe(ref g, i - up);
                var d = Vector.LoadUnsafe(ref g, i + up);
                var hxx = l - (two * c) + r;
                var hyy = u - (two * c) + d;
                var hxy = quarter * (Vector.LoadUnsafe(ref g, i + up + 1) - Vector.LoadUnsafe(ref g, i + up - 1) - Vector.LoadUnsafe(ref g, i - up + 1) + Vector.LoadUnsafe(ref g, i - up - 1));
                var gx = half * (r - l);
                var gy = half * (d - u);
                var (h1, h2) = Eigen(hxx, hyy, hxy);
                var (s1, s2) = Eigen(Vector.LoadUnsafe(ref sxx, i), Vector.LoadUnsafe(ref syy, i), Vector.LoadUnsafe(ref sxy, i));
                c.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(planes[f0]), o);
                Vector.SquareRoot((gx * gx) + (gy * gy)).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(planes[f0 + 1]), o);
                (hxx + hyy).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(planes[f0 + 2]), o);
                h1.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(planes[f0 + 3]), o);
                h2.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(planes[f0 + 4]), o);
                s1.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(planes[f0 + 5]), o);
                s2.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(planes[f0 + 6]), o);
                Vector.SquareRoot(Vector.Max(Vector<float>.Zero, Vector.LoadUnsafe(ref g2, i) - (c * c))).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(planes[f0 + 7]), o);
                (Vector.LoadUnsafe(ref finer, i) - c).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(planes[f0 + 8]), o);
            }
        }

        for (; x < width; x++)
        {
            int i = i0 + x, o = o0 + x;
            var gs = input.Smooth;
            float c = gs[i], l = gs[i - 1], r = gs[i + 1], u = gs[i - pw], d = gs[i + pw];
            float hxx = l - (2 * c) + r, hyy = u - (2 * c) + d;
            float hxy = 0.25f * (gs[i + pw + 1] - gs[i + pw - 1] - gs[i - pw + 1] + gs[i - pw - 1]);
            float gx = 0.5f * (r - l), gy = 0.5f * (d - u);
            var (h1, h2) = Eigen(hxx, hyy, hxy);
            var (s1, s2) = Eigen(input.Sxx[i], input.Syy[i], input.Sxy[i]);
            planes[f0][o] = c;
            planes[f0 + 1][o] = MathF.Sqrt((gx * gx) + (gy * gy));
            planes[f0 + 2][o] = hxx + hyy;
            planes[f0 + 3][o] = h1;
            planes[f0 + 4][o] = h2;
            planes[f0 + 5][o] = s1;
            planes[f0 + 6][o] = s2;
            planes[f0 + 7][o] = MathF.Sqrt(MathF.Max(0, input.SmoothOfSquare[i] - (c * c)));
            planes[f0 + 8][o] = input.Finer[i] - c;
        }
    }

    private static (Vector<float> Larger, Vector<float> Smaller) Eigen(Vector<float> a, Vector<float> b, Vector<float> c)
    {
        var half = new Vector<float>(0.5f);
        Vector<float> mean = half * (a + b), diff = half * (a - b);
        var root = Vector.SquareRoot((diff * diff) + (c * c));
        return (mean + root, mean - root);
    }

    /// <summary>Eigenvalues of the symmetric 2×2 matrix [[a, c], [c, b]], larger first.</summary>
    public static (float Larger, float Smaller) Eigen(float a, float b, float c)
    {
        float mean = 0.5f * (a + b), half = 0.5f * (a - b);
        float root = MathF.Sqrt((half * half) + (c * c));
        return (mean + root, mean - root);
    }
}

/// <summary>
/// The buffers one thread's <see cref="FilterBank.Compute"/> works in, kept between bands so a band costs no fresh
/// memory: ten padded-band images and the feature planes.
/// </summary>
public sealed class FeatureWorkspace
{
    /// <summary>The feature planes of the last band.</summary>
    internal float[][] Planes { get; private set; } = [];

    /// <summary>Padded-band images.</summary>
    internal float[][] Buffers { get; private set; } = [];

    /// <summary>Grows the buffers to <paramref name="padded"/> values each and the planes to <paramref name="core"/>.</summary>
    internal void Ensure(int padded, int core, int planes)
    {
        if (Buffers.Length == 0 || Buffers[0].Length < padded)
        {
            Buffers = [.. Enumerable.Range(0, 10).Select(_ => new float[padded])];
        }

        if (Planes.Length != planes || Planes[0].Length < core)
        {
            Planes = [.. Enumerable.Range(0, planes).Select(_ => new float[core])];
        }
    }
}
