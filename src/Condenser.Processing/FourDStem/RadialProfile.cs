namespace Condenser.Processing.FourDStem;

/// <summary>Radial averages and azimuthal profiles of a diffraction pattern about a centre.</summary>
public static class RadialProfile
{
    /// <summary>
    /// Mean intensity in rings of width <paramref name="binWidth"/>: bin k holds the pixels with
    /// k·binWidth ≤ r &lt; (k+1)·binWidth; bins reach the farthest corner. Empty bins are NaN.
    /// </summary>
    /// <remarks>Units: detector pixels.</remarks>
    public static double[] Radial(ReadOnlySpan<double> pattern, int width, double centerY, double centerX, double binWidth = 1)
    {
        if (width <= 0 || pattern.Length % width != 0 || !(binWidth > 0))
        {
            throw new ArgumentException($"a radial profile needs whole rows and a positive bin width (got {pattern.Length} values, width {width}, bin {binWidth})");
        }

        int height = pattern.Length / width;
        double far = 0;
        foreach (var (y, x) in new[] { (0, 0), (0, width - 1), (height - 1, 0), (height - 1, width - 1) })
        {
            far = Math.Max(far, Math.Sqrt(((y - centerY) * (y - centerY)) + ((x - centerX) * (x - centerX))));
        }

        int bins = (int)Math.Floor(far / binWidth) + 1;
        var sum = new double[bins];
        var count = new double[bins];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double r = Math.Sqrt(((y - centerY) * (y - centerY)) + ((x - centerX) * (x - centerX)));
                int k = (int)(r / binWidth);
                if (k < bins)
                {
                    sum[k] += pattern[(y * width) + x];
                    count[k]++;
                }
            }
        }

        for (int k = 0; k < bins; k++)
        {
            sum[k] = count[k] > 0 ? sum[k] / count[k] : double.NaN;
        }

        return sum;
    }

    /// <summary>
    /// Mean intensity in <paramref name="bins"/> equal angular sectors of the annulus inner ≤ r &lt; outer; sector k
    /// covers angles [k, k+1)·360°/bins measured from +x towards +y (image rows down). Empty sectors are NaN.
    /// </summary>
    public static double[] Azimuthal(ReadOnlySpan<double> pattern, int width, double centerY, double centerX, double inner, double outer, int bins)
    {
        if (width <= 0 || pattern.Length % width != 0 || bins <= 0 || !(outer > inner) || inner < 0)
        {
            throw new ArgumentException($"an azimuthal profile needs whole rows, bins > 0 and 0 ≤ inner < outer (got {bins} bins, {inner}:{outer})");
        }

        int height = pattern.Length / width;
        var sum = new double[bins];
        var count = new double[bins];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double dy = y - centerY, dx = x - centerX, r = Math.Sqrt((dy * dy) + (dx * dx));
                if (r < inner || r >= outer)
                {
                    continue;
                }

                double angle = Math.Atan2(dy, dx);
                if (angle < 0)
                {
                    angle += 2 * Math.PI;
                }

                int k = Math.Min(bins - 1, (int)(angle / (2 * Math.PI) * bins));
                sum[k] += pattern[(y * width) + x];
                count[k]++;
            }
        }

        for (int k = 0; k < bins; k++)
        {
            sum[k] = count[k] > 0 ? sum[k] / count[k] : double.NaN;
        }

        return sum;
    }
}
