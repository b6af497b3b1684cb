namespace Condenser.Processing.FourDStem;

/// <summary>The bright-field disk of a (mean) diffraction pattern: its centre and radius.</summary>
/// <param name="CenterY">Centre row.</param>
/// <param name="CenterX">Centre column.</param>
/// <param name="Radius">Radius.</param>
/// <remarks>Units: detector pixels.</remarks>
public readonly record struct BrightFieldDisk(double CenterY, double CenterX, double Radius)
{
    /// <summary>
    /// Finds the disk as the pixels above half of the pattern's brightest level (the 99.9th percentile, robust to hot
    /// pixels): centre of mass of that region, radius from its area.
    /// </summary>
    public static BrightFieldDisk Detect(ReadOnlySpan<double> pattern, int width)
    {
        if (pattern.Length == 0 || width <= 0)
        {
            throw new ArgumentException("an empty pattern has no bright-field disk");
        }

        var sorted = pattern.ToArray();
        Array.Sort(sorted);
        double bright = sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(0.999 * (sorted.Length - 1)))];
        double floor = sorted[sorted.Length / 10];
        double threshold = floor + ((bright - floor) / 2);
        double n = 0, sy = 0, sx = 0;
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] > threshold)
            {
                n++;
                sy += i / width;
                sx += i % width;
            }
        }

        if (n == 0)
        {
            int height = pattern.Length / width;
            return new BrightFieldDisk((height - 1) / 2.0, (width - 1) / 2.0, 0);
        }

        return new BrightFieldDisk(sy / n, sx / n, Math.Sqrt(n / Math.PI));
    }
}
