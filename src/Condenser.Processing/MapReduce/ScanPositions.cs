namespace Condenser.Processing.MapReduce;

/// <summary>
/// The navigation positions a run visits: the whole scan, a region (a mask over the scan) or an arbitrary list
/// (a sparse scan). Indices are in C order over the navigation axes; a list keeps its order for pushed streams and
/// is visited in ascending order over a file (results land in place either way).
/// </summary>
public sealed class ScanPositions
{
    private readonly long[]? _indices;

    private ScanPositions(long total, long[]? indices)
    {
        Total = total;
        _indices = indices;
    }

    /// <summary>Every one of <paramref name="total"/> positions.</summary>
    public static ScanPositions All(long total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        return new ScanPositions(total, null);
    }

    /// <summary>The positions where <paramref name="mask"/> is true (the mask covers the whole scan, C order).</summary>
    public static ScanPositions Region(ReadOnlySpan<bool> mask)
    {
        var list = new List<long>();
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i])
            {
                list.Add(i);
            }
        }

        return new ScanPositions(mask.Length, list.ToArray());
    }

    /// <summary>The rectangle rows [<paramref name="y0"/>, <paramref name="y1"/>) × columns [<paramref name="x0"/>, <paramref name="x1"/>) of an <paramref name="ny"/> × <paramref name="nx"/> scan.</summary>
    public static ScanPositions Rectangle(int ny, int nx, int y0, int y1, int x0, int x1)
    {
        if (y0 < 0 || x0 < 0 || y1 > ny || x1 > nx || y1 <= y0 || x1 <= x0)
        {
            throw new ArgumentException($"region rows {y0}:{y1}, columns {x0}:{x1} is not inside the {ny}×{nx} scan");
        }

        var list = new long[(long)(y1 - y0) * (x1 - x0)];
        int k = 0;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                list[k++] = ((long)y * nx) + x;
            }
        }

        return new ScanPositions((long)ny * nx, list);
    }

    /// <summary>An arbitrary list of positions out of <paramref name="total"/>; each at most once.</summary>
    public static ScanPositions List(IEnumerable<long> indices, long total)
    {
        var list = indices.ToArray();
        var seen = new HashSet<long>();
        foreach (var i in list)
        {
            if (i < 0 || i >= total)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"scan position {i} is outside 0..{total - 1}");
            }

            if (!seen.Add(i))
            {
                throw new ArgumentException($"scan position {i} is listed twice", nameof(indices));
            }
        }

        return new ScanPositions(total, list);
    }

    /// <summary>Positions in the scan.</summary>
    public long Total { get; }

    /// <summary>Positions visited.</summary>
    public long Count => _indices?.LongLength ?? Total;

    /// <summary>True when every position is visited.</summary>
    public bool IsAll => _indices is null;

    /// <summary>The visited positions in the order given.</summary>
    public IEnumerable<long> Indices => _indices ?? LongRange(Total);

    /// <summary>The visited positions, ascending (the order a pass over a file reads them in).</summary>
    public long[] Ascending()
    {
        if (_indices is null)
        {
            var all = new long[Total];
            for (long i = 0; i < all.LongLength; i++)
            {
                all[i] = i;
            }

            return all;
        }

        var sorted = (long[])_indices.Clone();
        Array.Sort(sorted);
        return sorted;
    }

    private static IEnumerable<long> LongRange(long n)
    {
        for (long i = 0; i < n; i++)
        {
            yield return i;
        }
    }
}
