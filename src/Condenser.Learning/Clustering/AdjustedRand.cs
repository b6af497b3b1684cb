namespace Condenser.Learning.Clustering;

/// <summary>
/// Agreement of two labelings of the same samples by the adjusted Rand index (Hubert and Arabie 1985): 1 for the
/// same partition whatever the label names, about 0 for chance (scikit-learn's <c>adjusted_rand_score</c>).
/// </summary>
public static class AdjustedRand
{
    /// <summary>The adjusted Rand index of two labelings (any integer labels) of equal length.</summary>
    public static double Index(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"labelings of {a.Count} and {b.Count} samples");
        }

        var table = new Dictionary<(int, int), long>();
        var rows = new Dictionary<int, long>();
        var columns = new Dictionary<int, long>();
        for (int i = 0; i < a.Count; i++)
        {
            table[(a[i], b[i])] = table.GetValueOrDefault((a[i], b[i])) + 1;
            rows[a[i]] = rows.GetValueOrDefault(a[i]) + 1;
            columns[b[i]] = columns.GetValueOrDefault(b[i]) + 1;
        }

        static double Pairs(long m) => m * (m - 1) / 2.0;
        double index = table.Values.Sum(Pairs), sumA = rows.Values.Sum(Pairs), sumB = columns.Values.Sum(Pairs);
        double expected = sumA * sumB / Pairs(a.Count);
        double max = (sumA + sumB) / 2;
        // One cluster on both sides (or every sample alone on both): the partitions agree; scikit-learn returns 1.
        return max == expected ? 1 : (index - expected) / (max - expected);
    }
}
