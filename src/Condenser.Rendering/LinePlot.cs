using System.Globalization;
using SkiaSharp;

namespace Condenser.Rendering;

/// <summary>One line of a plot.</summary>
/// <param name="Name">Its label in the legend.</param>
/// <param name="X">Abscissae (non-finite points are skipped).</param>
/// <param name="Y">Ordinates, as many as <paramref name="X"/>.</param>
/// <param name="Points">Draw a marker at each point instead of joining them.</param>
public sealed record PlotSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Points = false);

/// <summary>
/// A line plot with labelled axes: ticks at 1, 2 or 5 × 10^k, the numbers in invariant notation, a title, and a legend
/// when there is more than one series. Drawn with SkiaSharp in the font of <see cref="Fonts"/>.
/// </summary>
public static class LinePlot
{
    private static readonly SKColor[] Palette = [new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189)];

    /// <summary>Writes the plot to <paramref name="path"/> (PNG, <paramref name="width"/> × <paramref name="height"/> pixels).</summary>
    public static void Write(string path, string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, int width = 720, int height = 420)
    {
        using var bitmap = Draw(title, xLabel, yLabel, series, width, height);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    /// <summary>
    /// The scree of a PCA: log₁₀ of each component's explained variance ratio against its number (from 1), both axes
    /// labelled. Components at numerical zero (ratio below 10⁻¹⁰ of the first: the last of a rank-deficient set sit at
    /// 10⁻¹⁶) are left out, or one of them squeezes every other onto the top of the plot; the title says how many.
    /// </summary>
    /// <param name="path">The PNG written.</param>
    /// <param name="log10Ratios">log₁₀ of the explained variance ratio of the first components, in order.</param>
    /// <returns>The number of components drawn.</returns>
    public static int WriteScree(string path, IReadOnlyList<double> log10Ratios)
    {
        double first = log10Ratios.Count > 0 && double.IsFinite(log10Ratios[0]) ? log10Ratios[0] : 0;
        var x = new List<double>();
        var y = new List<double>();
        for (int i = 0; i < log10Ratios.Count; i++)
        {
            if (double.IsFinite(log10Ratios[i]) && log10Ratios[i] >= first - 10)
            {
                x.Add(i + 1);
                y.Add(log10Ratios[i]);
            }
        }

        int hidden = log10Ratios.Count - x.Count;
        string title = hidden == 0 ? "scree" : string.Create(CultureInfo.InvariantCulture, $"scree ({hidden} components below 1e-10 of the first not drawn)");
        Write(path, title, "component", "log10 explained variance ratio", [new PlotSeries("explained variance ratio", x, y, Points: true)]);
        return x.Count;
    }

    /// <summary>The plot as a bitmap.</summary>
    public static SKBitmap Draw(string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, int width = 720, int height = 420)
    {
        foreach (var s in series)
        {
            if (s.X.Count != s.Y.Count)
            {
                throw new ArgumentException($"series '{s.Name}' has {s.X.Count} abscissae and {s.Y.Count} ordinates");
            }
        }

        var points = series.SelectMany(s => s.X.Zip(s.Y)).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToList();
        var (x0, x1) = Range(points.Select(p => p.First));
        var (y0, y1) = Range(points.Select(p => p.Second));
        double xStep = Step(x1 - x0), yStep = Step(y1 - y0);
        (x0, x1) = (Math.Floor(x0 / xStep) * xStep, Math.Ceiling(x1 / xStep) * xStep);
        (y0, y1) = (Math.Floor(y0 / yStep) * yStep, Math.Ceiling(y1 / yStep) * yStep);

        var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        var typeface = Fonts.Label;
        using var font = new SKFont(typeface, 13);
        using var titleFont = new SKFont(typeface, 15);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1 };
        using var frame = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        float left = 78, right = width - 20, top = 34, bottom = height - 52;
        float Px(double x) => left + (float)((x - x0) / (x1 - x0) * (right - left));
        float Py(double y) => bottom - (float)((y - y0) / (y1 - y0) * (bottom - top));

        for (double t = x0; t <= x1 + (xStep / 2); t += xStep)
        {
            canvas.DrawLine(Px(t), top, Px(t), bottom, grid);
            canvas.DrawText(Format(t, xStep), Px(t), bottom + 16, SKTextAlign.Center, font, ink);
        }

        for (double t = y0; t <= y1 + (yStep / 2); t += yStep)
        {
            canvas.DrawLine(left, Py(t), right, Py(t), grid);
            canvas.DrawText(Format(t, yStep), left - 6, Py(t) + 4, SKTextAlign.Right, font, ink);
        }

        canvas.DrawRect(left, top, right - left, bottom - top, frame);
        canvas.DrawText(title, (left + right) / 2, 22, SKTextAlign.Center, titleFont, ink);
        canvas.DrawText(xLabel, (left + right) / 2, height - 14, SKTextAlign.Center, font, ink);
        canvas.Save();
        canvas.RotateDegrees(-90, 16, (top + bottom) / 2);
        canvas.DrawText(yLabel, 16, ((top + bottom) / 2) + 4, SKTextAlign.Center, font, ink);
        canvas.Restore();

        canvas.Save();
        canvas.ClipRect(new SKRect(left, top, right, bottom));
        for (int k = 0; k < series.Count; k++)
        {
            using var pen = new SKPaint { Color = Palette[k % Palette.Length], StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var dot = new SKPaint { Color = Palette[k % Palette.Length], IsAntialias = true };
            using var path = new SKPath();
            bool open = false;
            for (int i = 0; i < series[k].X.Count; i++)
            {
                double x = series[k].X[i], y = series[k].Y[i];
                if (!double.IsFinite(x) || !double.IsFinite(y))
                {
                    open = false;
                    continue;
                }

                if (series[k].Points)
                {
                    canvas.DrawCircle(Px(x), Py(y), 2.5f, dot);
                }
                else if (open)
                {
                    path.LineTo(Px(x), Py(y));
                }
                else
                {
                    path.MoveTo(Px(x), Py(y));
                    open = true;
                }
            }

            canvas.DrawPath(path, pen);
        }

        canvas.Restore();
        if (series.Count > 1)
        {
            for (int k = 0; k < series.Count; k++)
            {
                using var swatch = new SKPaint { Color = Palette[k % Palette.Length] };
                float y = top + 14 + (k * 18);
                canvas.DrawRect(left + 10, y - 9, 14, 10, swatch);
                canvas.DrawText(series[k].Name, left + 30, y, SKTextAlign.Left, font, ink);
            }
        }

        return bitmap;
    }

    /// <summary>The range of the finite values, widened when empty or a single value.</summary>
    private static (double Low, double High) Range(IEnumerable<double> values)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double v in values)
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }

        if (!double.IsFinite(lo))
        {
            return (0, 1);
        }

        if (hi - lo <= Math.Abs(hi) * 1e-12)
        {
            double pad = Math.Max(Math.Abs(hi) * 0.05, 1e-12);
            return (lo - pad, hi + pad);
        }

        return (lo, hi);
    }

    /// <summary>A tick step of 1, 2 or 5 × 10^k giving 4 to 10 ticks over <paramref name="span"/>.</summary>
    public static double Step(double span)
    {
        double raw = span / 5, p = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        foreach (double m in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (m * p >= raw)
            {
                return m * p;
            }
        }

        return 10 * p;
    }

    private static string Format(double v, double step)
    {
        if (Math.Abs(v) < step * 1e-9)
        {
            v = 0;
        }

        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step)));
        return Math.Abs(v) >= 1e5 || (v != 0 && Math.Abs(v) < 1e-4) ? v.ToString("0.##E0", CultureInfo.InvariantCulture) : v.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}
