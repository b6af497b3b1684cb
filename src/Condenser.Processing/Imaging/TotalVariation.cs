namespace Condenser.Processing.Imaging;

/// <summary>
/// Total-variation inpainting of a sparsely sampled image: the image u that minimises
/// Σ_observed (u_i − f_i)² / (2σ²) + (λ/σ) Σ |∇u| (isotropic TV, forward differences, Neumann edges), by the first-order
/// primal–dual method of Chambolle and Pock (2011) with step sizes τ = σ_d = 1/√8. Unobserved pixels (NaN) take what
/// the smoothness term gives them: edges are kept where the samples show them, flat regions are filled flat — what a
/// smooth Gaussian process cannot do for particles smaller than its length scale.
/// </summary>
public static class TotalVariation
{
    /// <summary>Inpaints <paramref name="observed"/> (row-major, <paramref name="width"/> × <paramref name="height"/>; NaN where not sampled) into <paramref name="result"/>.</summary>
    /// <param name="observed">The samples; NaN where none.</param>
    /// <param name="width">Pixels per row.</param>
    /// <param name="height">Rows.</param>
    /// <param name="noiseSigma">Standard deviation of one sample's noise (the samples' unit).</param>
    /// <param name="lambda">Weight of the total variation (per unit of the samples, times σ: 1 is a moderate smoothing).</param>
    /// <param name="iterations">Primal–dual iterations.</param>
    /// <param name="result">The inpainted image.</param>
    public static void Inpaint(ReadOnlySpan<double> observed, int width, int height, double noiseSigma, double lambda, int iterations, Span<double> result)
    {
        int n = width * height;
        if (observed.Length != n || result.Length != n)
        {
            throw new ArgumentException($"an image of {width} × {height} needs {n} values; {observed.Length} observed, {result.Length} for the result");
        }

        if (!(noiseSigma > 0) || !double.IsFinite(noiseSigma) || !(lambda > 0) || iterations < 1)
        {
            throw new ArgumentException("the noise σ and λ must be positive numbers and the iterations at least one");
        }

        // In units of σ (the data term's weight 1 where sampled, so that a step moves toward the samples as fast as
        // along the gradient whatever the signal's scale), from the mean of the samples.
        double sum = 0;
        int count = 0;
        var weight = new double[n];
        var f = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (double.IsFinite(observed[i]))
            {
                f[i] = observed[i] / noiseSigma;
                sum += f[i];
                count++;
                weight[i] = 1;
            }
        }

        if (count == 0)
        {
            throw new ArgumentException("no sample is a finite number");
        }

        var u = Enumerable.Repeat(sum / count, n).ToArray();
        var bar = u.ToArray();
        var px = new double[n];
        var py = new double[n];
        double tau = 1 / Math.Sqrt(8), step = 1 / Math.Sqrt(8), bound = lambda;
        for (int it = 0; it < iterations; it++)
        {
            // Dual ascent on the gradient of ū, projected onto the ball of radius λ/σ.
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int i = (y * width) + x;
                    double gx = x + 1 < width ? bar[i + 1] - bar[i] : 0, gy = y + 1 < height ? bar[i + width] - bar[i] : 0;
                    double qx = px[i] + (step * gx), qy = py[i] + (step * gy);
                    double norm = Math.Sqrt((qx * qx) + (qy * qy)) / bound;
                    double scale = norm > 1 ? 1 / norm : 1;
                    px[i] = qx * scale;
                    py[i] = qy * scale;
                }
            }

            // Primal descent on the divergence, then the data term's proximal step where sampled.
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int i = (y * width) + x;
                    double div = (x + 1 < width ? px[i] : 0) - (x > 0 ? px[i - 1] : 0) + (y + 1 < height ? py[i] : 0) - (y > 0 ? py[i - width] : 0);
                    double v = u[i] + (tau * div);
                    double next = (v + (tau * weight[i] * f[i])) / (1 + (tau * weight[i]));
                    bar[i] = (2 * next) - u[i];
                    u[i] = next;
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            result[i] = u[i] * noiseSigma;
        }
    }
}
