namespace Condenser.Learning.Segmentation;

/// <summary>
/// Connected regions of a label image with 8-connectivity (scikit-image's <c>measure.label</c> default in 2-d,
/// <c>connectivity=2</c>), by union–find over one raster pass.
/// </summary>
public static class ConnectedRegions
{
    /// <summary>
    /// Labels the regions of equal non-zero value in <paramref name="classes"/> (<paramref name="height"/> ×
    /// <paramref name="width"/>): 1..N per region in raster order of their first pixel (0 where the value is 0), and
    /// for every region its value and size in pixels.
    /// </summary>
    public static (int[] Labels, List<(byte Value, long Pixels)> Regions) Label(ReadOnlySpan<byte> classes, int height, int width)
    {
        if (classes.Length != (long)height * width)
        {
            throw new ArgumentException($"connected regions: {classes.Length} values for {height}×{width}");
        }

        int n = classes.Length;
        var parent = new int[n];
        for (int i = 0; i < n; i++)
        {
            parent[i] = i;
        }

        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * width) + x;
                byte v = classes[i];
                if (v == 0)
                {
                    continue;
                }

                // The neighbours already visited: left, and the three above.
                if (x > 0 && classes[i - 1] == v)
                {
                    Union(parent, i, i - 1);
                }

                if (y > 0)
                {
                    int up = i - width;
                    if (classes[up] == v)
                    {
                        Union(parent, i, up);
                    }

                    if (x > 0 && classes[up - 1] == v)
                    {
                        Union(parent, i, up - 1);
                    }

                    if (x < width - 1 && classes[up + 1] == v)
                    {
                        Union(parent, i, up + 1);
                    }
                }
            }
        }

        var labels = new int[n];
        var regions = new List<(byte Value, long Pixels)>();
        var number = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (classes[i] == 0)
            {
                continue;
            }

            int root = Find(parent, i);
            int k = number[root];
            if (k == 0)
            {
                number[root] = k = regions.Count + 1;
                regions.Add((classes[i], 0));
            }

            labels[i] = k;
            regions[k - 1] = (regions[k - 1].Value, regions[k - 1].Pixels + 1);
        }

        return (labels, regions);
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }

    private static void Union(int[] parent, int a, int b)
    {
        int ra = Find(parent, a), rb = Find(parent, b);
        if (ra != rb)
        {
            if (ra < rb)
            {
                parent[rb] = ra;
            }
            else
            {
                parent[ra] = rb;
            }
        }
    }
}
