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
    /// (<paramref name="height"/> × <paramref name="width"/>, row major): <see cref="Count"/> planes of
    /// (row1 − row0) × width values.
    /// </summary>
    public float[][] Compute(ReadOnlySpan<float> image, int height, int width, int row0, int row1)
    {
        if (image.Length != (long)height * width || row0 < 0 || row1 > height || row1 <= row0)
        {
            throw new ArgumentException($"filter bank: rows {row0}..{row1} of a {height}×{width} image ({image.Length} values)");
        }

        int pad = Halo, ph = row1 - row0 + (2 * pad), pw = width + (2 * pad), n = ph * pw;
        var padded = new float[n];
        for (int y = 0; y < ph; y++)
        {
            int sy = SeparableGaussian.Reflect(row0 - pad + y, height);
            var src = image.Slice(sy * width, width);
            var dst = padded.AsSpan(y * pw, pw);
            for (int x = 0; x < pw; x++)
            {
                dst[x] = src[SeparableGaussian.Reflect(x - pad, width)];
            }
        }

        int core = (row1 - row0) * width;
        var planes = new float[Count][];
        planes[0] = Core(padded, ph, pw, pad, row1 - row0, width);
        var squared = new float[n];
        for (int i = 0; i < n; i++)
        {
            squared[i] = padded[i] * padded[i];
        }

        var g = new float[n];
        var g2 = new float[n];
        var scratch = new float[n];
        var previous = padded;
        var gx = new float[n];
        var gy = new float[n];
        var sxx = new float[n];
        var syy = new float[n];
        var sxy = new float[n];
        var t = new float[n];
        for (int s = 0; s < Scales.Length; s++)
        {
            var kernel = SeparableGaussian.Kernel(Scales[s]);
            SeparableGaussian.SmoothInterior(padded, g, scratch, ph, pw, kernel);
            SeparableGaussian.SmoothInterior(squared, g2, scratch, ph, pw, kernel);
            int f0 = 1 + (s * PerScale.Length);
            var features = new float[PerScale.Length][];
            for (int f = 0; f < features.Length; f++)
            {
                features[f] = new float[core];
            }

            // Gradients, and the gradient's products for the structure tensor, over the padded band (one pixel in).
            for (int y = 1; y < ph - 1; y++)
            {
                int row = y * pw;
                for (int x = 1; x < pw - 1; x++)
                {
                    int i = row + x;
                    float dx = 0.5f * (g[i + 1] - g[i - 1]), dy = 0.5f * (g[i + pw] - g[i - pw]);
                    gx[i] = dx;
                    gy[i] = dy;
                    sxx[i] = dx * dx;
                    syy[i] = dy * dy;
                    sxy[i] = dx * dy;
                }
            }

            var outer = SeparableGaussian.Kernel(Scales[s] / 2);
            SeparableGaussian.SmoothInterior(sxx, t, scratch, ph, pw, outer);
            (sxx, t) = (t, sxx);
            SeparableGaussian.SmoothInterior(syy, t, scratch, ph, pw, outer);
            (syy, t) = (t, syy);
            SeparableGaussian.SmoothInterior(sxy, t, scratch, ph, pw, outer);
            (sxy, t) = (t, sxy);
            for (int y = 0; y < row1 - row0; y++)
            {
                int prow = (y + pad) * pw;
                for (int x = 0; x < width; x++)
                {
                    int i = prow + x + pad, o = (y * width) + x;
                    float c = g[i], l = g[i - 1], r = g[i + 1], u = g[i - pw], d = g[i + pw];
                    float hxx = l - (2 * c) + r, hyy = u - (2 * c) + d;
                    float hxy = 0.25f * (g[i + pw + 1] - g[i + pw - 1] - g[i - pw + 1] + g[i - pw - 1]);
                    var (h1, h2) = Eigen(hxx, hyy, hxy);
                    var (s1, s2) = Eigen(sxx[i], syy[i], sxy[i]);
                    features[0][o] = c;
                    features[1][o] = MathF.Sqrt((gx[i] * gx[i]) + (gy[i] * gy[i]));
                    features[2][o] = hxx + hyy;
                    features[3][o] = h1;
                    features[4][o] = h2;
                    features[5][o] = s1;
                    features[6][o] = s2;
                    features[7][o] = MathF.Sqrt(MathF.Max(0, g2[i] - (c * c)));
                    features[8][o] = previous[i] - c;
                }
            }

            for (int f = 0; f < features.Length; f++)
            {
                planes[f0 + f] = features[f];
            }

            (previous, g) = (g, previous == padded ? new float[n] : previous);
        }

        return planes;
    }

    /// <summary>Eigenvalues of the symmetric 2×2 matrix [[a, c], [c, b]], larger first.</summary>
    public static (float Larger, float Smaller) Eigen(float a, float b, float c)
    {
        float mean = 0.5f * (a + b), half = 0.5f * (a - b);
        float root = MathF.Sqrt((half * half) + (c * c));
        return (mean + root, mean - root);
    }

    private static float[] Core(float[] padded, int ph, int pw, int pad, int rows, int width)
    {
        var core = new float[rows * width];
        for (int y = 0; y < rows; y++)
        {
            padded.AsSpan(((y + pad) * pw) + pad, width).CopyTo(core.AsSpan(y * width, width));
        }

        return core;
    }
}
