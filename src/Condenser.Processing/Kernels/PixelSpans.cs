namespace Condenser.Processing.Kernels;

/// <summary>A run of pixels in one detector row: <c>[Start, Start + Length)</c> of the flattened frame.</summary>
/// <param name="Start">Index of the first pixel in the frame (row × width + column).</param>
/// <param name="Length">Number of pixels.</param>
public readonly record struct PixelSpan(int Start, int Length);

/// <summary>Detector regions as row runs, so a masked sum reads only the pixels inside and branches once per run.</summary>
public static class PixelSpans
{
    /// <summary>
    /// The pixels of a <paramref name="height"/> × <paramref name="width"/> detector whose centre's distance r from
    /// (<paramref name="centerY"/>, <paramref name="centerX"/>) satisfies <c>inner ≤ r &lt; outer</c>.
    /// </summary>
    /// <remarks>Units: detector pixels; pixel (y, x) has its centre at (y, x).</remarks>
    public static PixelSpan[] Annulus(int height, int width, double centerY, double centerX, double inner, double outer)
    {
        if (height < 0 || width < 0 || !(inner >= 0) || !(outer >= inner))
        {
            throw new ArgumentException($"annulus {inner}:{outer} on a {height}×{width} detector is not valid");
        }

        var spans = new List<PixelSpan>();
        double inner2 = inner * inner, outer2 = outer * outer;
        for (int y = 0; y < height; y++)
        {
            double dy2 = (y - centerY) * (y - centerY);
            int runStart = -1;
            for (int x = 0; x <= width; x++)
            {
                bool inside = false;
                if (x < width)
                {
                    double r2 = dy2 + ((x - centerX) * (x - centerX));
                    inside = r2 >= inner2 && r2 < outer2;
                }

                if (inside && runStart < 0)
                {
                    runStart = x;
                }
                else if (!inside && runStart >= 0)
                {
                    spans.Add(new PixelSpan((y * width) + runStart, x - runStart));
                    runStart = -1;
                }
            }
        }

        return [.. spans];
    }

    /// <summary>
    /// The pixels (y, x) of a <paramref name="height"/> × <paramref name="width"/> detector with
    /// <c>top ≤ y &lt; top + rows</c> and <c>left ≤ x &lt; left + cols</c> (LiberTEM's rectangle for whole-pixel corners).
    /// </summary>
    /// <remarks>Units: detector pixels.</remarks>
    public static PixelSpan[] Rectangle(int height, int width, double top, double left, double rows, double cols)
    {
        if (height < 0 || width < 0 || !double.IsFinite(top) || !double.IsFinite(left) || !(rows > 0) || !(cols > 0) || !double.IsFinite(rows) || !double.IsFinite(cols))
        {
            throw new ArgumentException($"rectangle {rows}×{cols} at ({top}, {left}) on a {height}×{width} detector is not valid");
        }

        int y0 = (int)Math.Clamp(Math.Ceiling(top), 0, height), y1 = (int)Math.Clamp(Math.Ceiling(top + rows), 0, height);
        int x0 = (int)Math.Clamp(Math.Ceiling(left), 0, width), x1 = (int)Math.Clamp(Math.Ceiling(left + cols), 0, width);
        var spans = new List<PixelSpan>(Math.Max(0, y1 - y0));
        for (int y = y0; y < y1 && x1 > x0; y++)
        {
            spans.Add(new PixelSpan((y * width) + x0, x1 - x0));
        }

        return [.. spans];
    }

    /// <summary>The one pixel nearest (<paramref name="y"/>, <paramref name="x"/>) (halves round up), or none when it is off the detector.</summary>
    /// <remarks>Units: detector pixels.</remarks>
    public static PixelSpan[] Point(int height, int width, double y, double x)
    {
        double py = Math.Floor(y + 0.5), px = Math.Floor(x + 0.5);
        return py >= 0 && py < height && px >= 0 && px < width ? [new PixelSpan(((int)py * width) + (int)px, 1)] : [];
    }

    /// <summary>Runs of the non-zero entries of a boolean mask (row-major, <paramref name="width"/> wide).</summary>
    public static PixelSpan[] FromMask(ReadOnlySpan<bool> mask, int width)
    {
        var spans = new List<PixelSpan>();
        int runStart = -1;
        for (int i = 0; i <= mask.Length; i++)
        {
            bool inside = i < mask.Length && mask[i] && (runStart < 0 || (i % width) != 0);
            if (i < mask.Length && mask[i] && runStart >= 0 && (i % width) == 0)
            {
                spans.Add(new PixelSpan(runStart, i - runStart));
                runStart = i;
                continue;
            }

            if (inside && runStart < 0)
            {
                runStart = i;
            }
            else if (!inside && runStart >= 0)
            {
                spans.Add(new PixelSpan(runStart, i - runStart));
                runStart = -1;
            }
        }

        return [.. spans];
    }

    /// <summary>
    /// The spans moved by <paramref name="dy"/> rows and <paramref name="dx"/> columns on a
    /// <paramref name="height"/> × <paramref name="width"/> detector; pixels moved off the detector are dropped.
    /// </summary>
    public static PixelSpan[] Shift(ReadOnlySpan<PixelSpan> spans, int height, int width, int dy, int dx)
    {
        var moved = new List<PixelSpan>(spans.Length);
        foreach (var s in spans)
        {
            int y = (s.Start / width) + dy;
            int x0 = (s.Start % width) + dx, x1 = x0 + s.Length;
            x0 = Math.Max(0, x0);
            x1 = Math.Min(width, x1);
            if (y >= 0 && y < height && x1 > x0)
            {
                moved.Add(new PixelSpan((y * width) + x0, x1 - x0));
            }
        }

        return [.. moved];
    }

    /// <summary>Number of pixels covered.</summary>
    public static long Count(ReadOnlySpan<PixelSpan> spans)
    {
        long n = 0;
        foreach (var s in spans)
        {
            n += s.Length;
        }

        return n;
    }
}
