using System.Globalization;
using System.Text;
using Condenser.Acquisition.DigitalTwin;

namespace Condenser.Acquisition.Autopilot;

/// <summary>A bright region found in a map: a particle or a precipitate on its support.</summary>
/// <param name="XNm">Centroid from the scene's centre, weighted by the excess over the threshold (nm).</param>
/// <param name="YNm">Centroid from the scene's centre (nm).</param>
/// <param name="RadiusNm">Radius of the disc of the same area (nm).</param>
/// <param name="Pixels">Grid positions of the region (row-major indices).</param>
/// <param name="Peak">Largest value in the region (the map's unit).</param>
public sealed record DetectedFeature(double XNm, double YNm, double RadiusNm, int[] Pixels, double Peak);

/// <summary>How many of the scene's features a run found, and how many of its finds are real.</summary>
/// <param name="Truth">Features of the scene whose centre lies in the field.</param>
/// <param name="Found">Of those, the ones a detected region touches.</param>
/// <param name="Detected">Regions detected.</param>
/// <param name="FalsePositives">Detected regions that touch no feature of the scene.</param>
public sealed record FeatureScore(int Truth, int Found, int Detected, int FalsePositives)
{
    /// <summary>Found over truth (1 when the field holds none).</summary>
    public double Recall => Truth == 0 ? 1 : (double)Found / Truth;

    /// <summary>Real finds over finds (1 when nothing was detected).</summary>
    public double Precision => Detected == 0 ? 1 : (double)(Detected - FalsePositives) / Detected;
}

/// <summary>
/// Features of a HAADF map: connected regions (8-neighbours) above a threshold set from the observations themselves —
/// the support's median plus <see cref="Sigmas"/> robust standard deviations of the values below it (the support's
/// spread, which bright features do not inflate). The same rule for every policy, so that recall compares policies,
/// not thresholds.
/// </summary>
public static class FeatureDetection
{
    /// <summary>Robust standard deviations above the support's median a feature must reach.</summary>
    public const double Sigmas = 5;

    /// <summary>The threshold of the observed values: median + <see cref="Sigmas"/> × 1.4826 × the median deviation of the values below the median.</summary>
    public static double Threshold(IReadOnlyCollection<double> observed)
    {
        var (median, sigma) = Support(observed);
        return median + (Sigmas * sigma);
    }

    /// <summary>The support's level (the median of the observed values) and the spread of one observation about it (1.4826 × the median deviation of the values below the median).</summary>
    public static (double Level, double Sigma) Support(IReadOnlyCollection<double> observed)
    {
        var v = observed.Where(double.IsFinite).Order().ToArray();
        if (v.Length == 0)
        {
            return (double.PositiveInfinity, 0);
        }

        double median = v[v.Length / 2];
        var below = v.Where(x => x <= median).Select(x => median - x).Order().ToArray();
        double sigma = 1.4826 * below[below.Length / 2];
        if (!(sigma > 0))
        {
            // A support with no spread below its median (e.g. all zero counts): the smallest step above it.
            sigma = v.Where(x => x > median).DefaultIfEmpty(median + 1).Min() - median;
        }

        return (median, sigma);
    }

    /// <summary>Regions of <paramref name="map"/> above <paramref name="threshold"/>.</summary>
    public static List<DetectedFeature> Detect(ReadOnlySpan<double> map, AutopilotOptions o, double threshold) => Regions(map, map, o, threshold);

    /// <summary>Connected regions where <paramref name="score"/> exceeds <paramref name="threshold"/>; centroids weighted by the excess of the score.</summary>
    private static List<DetectedFeature> Regions(ReadOnlySpan<double> map, ReadOnlySpan<double> score, AutopilotOptions o, double threshold)
    {
        int g = o.Grid;
        if (map.Length != g * g)
        {
            throw new ArgumentException($"the map holds {map.Length} values, not {g} × {g}");
        }

        var label = new int[g * g];
        var found = new List<DetectedFeature>();
        var stack = new Stack<int>();
        double pixel = o.FovNm / g, c0 = (g - 1) / 2.0;
        for (int start = 0; start < map.Length; start++)
        {
            if (label[start] != 0 || !(score[start] > threshold))
            {
                continue;
            }

            var pixels = new List<int>();
            double wx = 0, wy = 0, w = 0, peak = double.NegativeInfinity;
            label[start] = found.Count + 1;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                pixels.Add(p);
                int row = p / g, col = p % g;
                double excess = score[p] - threshold;
                wx += excess * col;
                wy += excess * row;
                w += excess;
                peak = Math.Max(peak, map[p]);
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int r = row + dy, c = col + dx;
                        if (r < 0 || r >= g || c < 0 || c >= g)
                        {
                            continue;
                        }

                        int q = (r * g) + c;
                        if (label[q] == 0 && score[q] > threshold)
                        {
                            label[q] = found.Count + 1;
                            stack.Push(q);
                        }
                    }
                }
            }

            found.Add(new DetectedFeature(
                o.CenterXNm + (((wx / w) - c0) * pixel), o.CenterYNm + (((wy / w) - c0) * pixel),
                Math.Sqrt(pixels.Count / Math.PI) * pixel, [.. pixels.Order()], peak));
        }

        return found;
    }

    /// <summary>
    /// Scores <paramref name="detected"/> against the scene's particles and precipitates: a feature whose centre lies in
    /// the field is found when a detected region has a position within the feature's size (radius, or half length of a
    /// plate) plus one grid pixel of its centre; a region that comes so near no feature (in the field or just outside
    /// it) is a false positive.
    /// </summary>
    public static FeatureScore Score(IReadOnlyList<DetectedFeature> detected, IEnumerable<SceneFeature> features, AutopilotOptions o)
    {
        int g = o.Grid;
        double pixel = o.FovNm / g, c0 = (g - 1) / 2.0, half = o.FovNm / 2;
        var targets = features.Where(f => f.Kind is "particle" or "precipitate").ToList();
        bool Touches(DetectedFeature d, SceneFeature f) => d.Pixels.Any(p =>
        {
            double x = o.CenterXNm + (((p % g) - c0) * pixel), y = o.CenterYNm + (((p / g) - c0) * pixel);
            double reach = f.SizeNm + pixel;
            return ((x - f.XNm) * (x - f.XNm)) + ((y - f.YNm) * (y - f.YNm)) <= reach * reach;
        });
        var inField = targets.Where(f => Math.Abs(f.XNm - o.CenterXNm) <= half && Math.Abs(f.YNm - o.CenterYNm) <= half).ToList();
        int found = inField.Count(f => detected.Any(d => Touches(d, f)));
        int falsePositives = detected.Count(d => !targets.Any(f => Touches(d, f)));
        return new FeatureScore(inField.Count, found, detected.Count, falsePositives);
    }

    /// <summary>The detected features as CSV: x and y (nm from the scene's centre), equivalent radius (nm), positions, peak value.</summary>
    public static string Csv(IEnumerable<DetectedFeature> features)
    {
        var sb = new StringBuilder("x_nm,y_nm,radius_nm,positions,peak\n");
        foreach (var f in features)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{f.XNm:R},{f.YNm:R},{f.RadiusNm:R},{f.Pixels.Length},{f.Peak:R}\n");
        }

        return sb.ToString();
    }
}
