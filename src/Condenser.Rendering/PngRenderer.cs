using System.Globalization;
using Condenser.Data;
using SkiaSharp;

using Condenser.Processing.Imaging;

namespace Condenser.Rendering;

/// <summary>Draws a <see cref="PreviewImage"/> to PNG: percentile contrast, optional log scale, scale bar from the calibration.</summary>
public static class PngRenderer
{
    /// <summary>Lower and upper contrast percentiles.</summary>
    public static (double Low, double High) Percentiles { get; set; } = (0.5, 99.5);

    /// <summary>Writes the picture; maps get a colour bar (the grey scale with its limits) when <paramref name="colorBar"/> is set.</summary>
    public static void Write(PreviewImage image, string path, bool log, int minSize = 512, bool colorBar = false) =>
        File.WriteAllBytes(path, Encode(image, log, minSize, colorBar));

    /// <summary>The PNG bytes of <see cref="Write"/>.</summary>
    public static byte[] Encode(PreviewImage image, bool log, int minSize = 512, bool colorBar = false)
    {
        var typeface = Fonts.Label;
        using var bitmap = image.IsSpectrum ? Plot(image, typeface) : Picture(image, log, minSize, typeface, colorBar);
        using var data = EncodePng(bitmap);
        return data.ToArray();
    }

    /// <summary>
    /// A thumbnail no larger than <paramref name="maxSize"/> pixels on its longer side: the picture without decorations
    /// (percentile contrast), or the spectrum plot scaled down.
    /// </summary>
    public static byte[] Thumbnail(PreviewImage image, bool log, int maxSize = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, 16);
        var typeface = Fonts.Label;
        using var full = image.IsSpectrum ? Plot(image, typeface) : Picture(image, log, 1, null, false, scaleBar: false);
        double k = Math.Min(1, maxSize / (double)Math.Max(full.Width, full.Height));
        int tw = Math.Max(1, (int)Math.Round(full.Width * k)), th = Math.Max(1, (int)Math.Round(full.Height * k));
        using var small = new SKBitmap(new SKImageInfo(tw, th, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(small))
        using (var img = SKImage.FromBitmap(full))
        {
            canvas.DrawImage(img, new SKRect(0, 0, tw, th), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }

        using var data = EncodePng(small);
        return data.ToArray();
    }

    /// <summary>Maps values to 0..255 with percentile limits (and log1p when asked).</summary>
    public static byte[] Grey(double[] values, bool log) => GreyWithLimits(values, log).Grey;

    /// <summary>The grey levels and the values that map to black and white (in log1p units when <paramref name="log"/>).</summary>
    public static (byte[] Grey, double Low, double High) GreyWithLimits(double[] values, bool log)
    {
        var v = new double[values.Length];
        double min = values.Where(double.IsFinite).DefaultIfEmpty(0).Min();
        for (int i = 0; i < v.Length; i++)
        {
            double x = double.IsFinite(values[i]) ? values[i] : min;
            v[i] = log ? Math.Log(1 + Math.Max(0, x - min)) : x;
        }

        var sorted = (double[])v.Clone();
        Array.Sort(sorted);
        double lo = sorted.Length == 0 ? 0 : sorted[(int)Math.Clamp(Percentiles.Low / 100 * (sorted.Length - 1), 0, sorted.Length - 1)];
        double hi = sorted.Length == 0 ? 1 : sorted[(int)Math.Clamp(Percentiles.High / 100 * (sorted.Length - 1), 0, sorted.Length - 1)];
        if (hi <= lo)
        {
            hi = sorted.Length == 0 ? lo + 1 : Math.Max(sorted[^1], lo + 1e-12);
        }

        var g = new byte[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            g[i] = (byte)Math.Clamp(Math.Round((v[i] - lo) / (hi - lo) * 255), 0, 255);
        }

        return (g, lo, hi);
    }

    private static SKBitmap Picture(PreviewImage image, bool log, int minSize, SKTypeface? typeface, bool colorBar = false, bool scaleBar = true)
    {
        double low = 0, high = 0;
        int w = image.Width, h = image.Height;
        using var source = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = new byte[(long)w * h * 4];
        if (image.Rgba is not null)
        {
            image.Rgba.CopyTo(pixels, 0);
        }
        else
        {
            var (g, lo, hi) = GreyWithLimits(image.Values!, log);
            (low, high) = (lo, hi);
            for (long i = 0; i < g.LongLength; i++)
            {
                pixels[i * 4] = pixels[(i * 4) + 1] = pixels[(i * 4) + 2] = g[i];
                pixels[(i * 4) + 3] = 255;
            }
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, source.GetPixels(), pixels.Length);

        // Small images are enlarged by whole pixels so that the bar and its label stay legible.
        int factor = Math.Max(1, (int)Math.Ceiling(minSize / (double)Math.Max(w, h)));
        int ow = w * factor, oh = h * factor;
        int barWidth = colorBar && image.Values is not null ? 150 : 0;
        var output = new SKBitmap(new SKImageInfo(ow + barWidth, oh, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(output);
        canvas.Clear(SKColors.Black);
        using (var img = SKImage.FromBitmap(source))
        {
            canvas.DrawImage(img, new SKRect(0, 0, ow, oh), new SKSamplingOptions(SKFilterMode.Nearest));
        }

        if (scaleBar)
        {
            DrawScaleBar(canvas, image.XAxis, w, ow, oh, typeface);
        }
        if (barWidth > 0)
        {
            DrawColorBar(canvas, ow, oh, low, high, log, image.Caption, typeface);
        }

        return output;
    }

    /// <summary>A vertical grey ramp right of the image, labelled with the values at black and white.</summary>
    private static void DrawColorBar(SKCanvas canvas, int x0, int oh, double low, double high, bool log, string caption, SKTypeface? typeface)
    {
        float top = oh * 0.1f, bottom = oh * 0.9f, left = x0 + 20, width = 24;
        for (int i = 0; i <= 255; i++)
        {
            using var paint = new SKPaint { Color = new SKColor((byte)i, (byte)i, (byte)i) };
            float y1 = bottom - ((bottom - top) * (i + 1) / 256f), y0 = bottom - ((bottom - top) * i / 256f);
            canvas.DrawRect(left, y1, width, y0 - y1 + 0.5f, paint);
        }

        using var frame = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(left, top, width, bottom - top, frame);
        if (typeface is null)
        {
            return;
        }

        using var font = new SKFont(typeface, 14);
        using var text = new SKPaint { Color = SKColors.White, IsAntialias = true };
        string F(double d) => (log ? "log1p " : string.Empty) + d.ToString("G4", CultureInfo.InvariantCulture);
        canvas.DrawText(F(high), left + width + 6, top + 10, SKTextAlign.Left, font, text);
        canvas.DrawText(F(low), left + width + 6, bottom, SKTextAlign.Left, font, text);
        canvas.DrawText(caption, left, top - 12, SKTextAlign.Left, font, text);
    }

    /// <summary>
    /// A vector field as colour (hue = direction, brightness = length up to its 99th percentile) with a colour wheel
    /// in the corner that shows which hue means which direction. The field's mean (a uniform shift: descan, a tilted
    /// beam) is removed first, or every position would show its one hue; the caption gives the mean removed. Returns
    /// it (y, x).
    /// </summary>
    public static (double Y, double X) WriteVectorField(string path, double[] fy, double[] fx, int ny, int nx, Axis xAxis, int minSize = 512)
    {
        double my = fy.Where(double.IsFinite).DefaultIfEmpty(0).Average(), mx = fx.Where(double.IsFinite).DefaultIfEmpty(0).Average();
        fy = [.. fy.Select(v => v - my)];
        fx = [.. fx.Select(v => v - mx)];
        var mags = fy.Select((v, i) => Math.Sqrt((v * v) + (fx[i] * fx[i]))).Where(double.IsFinite).Order().ToArray();
        double top = mags.Length == 0 ? 1 : Math.Max(1e-300, mags[(int)(0.99 * (mags.Length - 1))]);
        var rgba = new byte[ny * nx * 4];
        for (int i = 0; i < ny * nx; i++)
        {
            var c = Hsv(Math.Atan2(fy[i], fx[i]), double.IsFinite(fy[i]) && double.IsFinite(fx[i]) ? Math.Min(1, Math.Sqrt((fy[i] * fy[i]) + (fx[i] * fx[i])) / top) : 0);
            rgba[i * 4] = c.Red;
            rgba[(i * 4) + 1] = c.Green;
            rgba[(i * 4) + 2] = c.Blue;
            rgba[(i * 4) + 3] = 255;
        }

        var typeface = Fonts.Label;
        string caption = string.Create(CultureInfo.InvariantCulture, $"DPC field, mean shift ({my:G3}, {mx:G3}) removed");
        using var bitmap = Picture(new PreviewImage(nx, ny, null, rgba, xAxis, caption), false, minSize, typeface);
        using (var canvas = new SKCanvas(bitmap))
        {
            int r = Math.Max(24, bitmap.Height / 10), cx = r + 10, cy = r + 10;
            for (int y = -r; y <= r; y++)
            {
                for (int x = -r; x <= r; x++)
                {
                    double d = Math.Sqrt((x * x) + (y * y));
                    if (d <= r)
                    {
                        bitmap.SetPixel(cx + x, cy + y, Hsv(Math.Atan2(y, x), d / r));
                    }
                }
            }

            if (typeface is not null)
            {
                // Said on the figure: the colours are relative to the mean shift.
                using var font = new SKFont(typeface, Math.Max(13, bitmap.Height * 0.03f));
                using var back = new SKPaint { Color = new SKColor(0, 0, 0, 150) };
                using var ink = new SKPaint { Color = SKColors.White, IsAntialias = true };
                float width = Math.Min(bitmap.Width - 4, font.MeasureText(caption) + 12), height = font.Size + 12;
                canvas.DrawRect(2, bitmap.Height - height - 2, width, height, back);
                canvas.DrawText(caption, 8, bitmap.Height - 8 - (font.Size * 0.2f), SKTextAlign.Left, font, ink);
            }
        }

        using var data = EncodePng(bitmap);
        using (var s = File.Create(path))
        {
            data.SaveTo(s);
        }

        return (my, mx);
    }

    /// <summary>
    /// PNG at zlib level 3: on figures of a 512 × 1024 scan about four times faster to write than the default level 6,
    /// for files a few per cent larger (PNG is lossless either way).
    /// </summary>
    private static SKData EncodePng(SKBitmap bitmap)
    {
        using var pixmap = bitmap.PeekPixels();
        return pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.AllFilters, 3)) ?? throw new InvalidOperationException("the PNG encoder refused the figure");
    }

    /// <summary>Full-saturation colour of hue <paramref name="angle"/> (radians) and value <paramref name="value"/> (0..1).</summary>
    private static SKColor Hsv(double angle, double value)
    {
        double h = ((angle / (2 * Math.PI)) + 1) % 1 * 6;
        int sector = (int)h % 6;
        double f = h - Math.Floor(h), v = value * 255, p = 0, q = v * (1 - f), t = v * f;
        var (r, g, b) = sector switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
        return new SKColor((byte)r, (byte)g, (byte)b);
    }

    /// <summary>A "nice" length (1, 2 or 5 × 10^k) near a fifth of the field of view.</summary>
    public static double NiceLength(double fieldOfView)
    {
        double target = fieldOfView / 5;
        double p = Math.Pow(10, Math.Floor(Math.Log10(target)));
        foreach (var m in new[] { 5.0, 2.0, 1.0 })
        {
            if (m * p <= target)
            {
                return m * p;
            }
        }

        return p;
    }

    private static void DrawScaleBar(SKCanvas canvas, Axis axis, int samples, int ow, int oh, SKTypeface? typeface)
    {
        if (string.IsNullOrEmpty(axis.Units) || !(axis.Scale > 0) || !double.IsFinite(axis.Scale))
        {
            return;
        }

        double fov = samples * axis.Scale;
        double length = NiceLength(fov);
        float barPx = (float)(length / axis.Scale * ow / samples);
        float margin = ow * 0.04f, thickness = Math.Max(4, oh * 0.012f);
        float textSize = Math.Max(14, oh * 0.04f);
        using var font = typeface is null ? null : new SKFont(typeface, textSize);
        string label = Units.Format(length, axis.Units);
        var box = ScaleBarBox(ow, oh, barPx, font?.MeasureText(label) ?? 0, textSize, thickness, margin);
        using var back = new SKPaint { Color = new SKColor(0, 0, 0, 150), IsAntialias = true };
        using var bar = new SKPaint { Color = SKColors.White, IsAntialias = true };
        canvas.DrawRect(box, back);
        float centre = box.MidX, y0 = box.Bottom - 8 - thickness;
        canvas.DrawRect(centre - (barPx / 2), y0, barPx, thickness, bar);
        if (font is not null)
        {
            canvas.DrawText(label, centre, y0 - 6, SKTextAlign.Center, font, bar);
        }
    }

    /// <summary>
    /// The scale bar's backing box in an <paramref name="ow"/> × <paramref name="oh"/> figure: wide enough for the bar
    /// and its label (<paramref name="labelWidth"/> px), in the lower right corner, moved left rather than cut where
    /// the label is wider than the margin allows.
    /// </summary>
    public static SKRect ScaleBarBox(int ow, int oh, float barPx, float labelWidth, float textSize, float thickness, float margin)
    {
        float width = Math.Min(ow - 4, Math.Max(barPx, labelWidth) + 16);
        float height = thickness + textSize + 22;
        float right = Math.Min(ow - 2, ow - margin + 8);
        float left = Math.Max(2, right - width);
        float bottom = Math.Min(oh - 2, oh - margin + 8);
        return new SKRect(left, Math.Max(2, bottom - height), left + width, bottom);
    }

    private static SKBitmap Plot(PreviewImage image, SKTypeface? typeface)
    {
        const int W = 900, H = 500, L = 80, R = 20, T = 20, B = 60;
        var v = image.Values!;
        var output = new SKBitmap(W, H);
        using var canvas = new SKCanvas(output);
        canvas.Clear(SKColors.White);
        double min = v.Where(double.IsFinite).DefaultIfEmpty(0).Min(), max = v.Where(double.IsFinite).DefaultIfEmpty(1).Max();
        if (max <= min)
        {
            max = min + 1;
        }

        using var axisPaint = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var line = new SKPaint { Color = new SKColor(31, 119, 180), StrokeWidth = 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        canvas.DrawRect(L, T, W - L - R, H - T - B, axisPaint);
        using var path = new SKPath();
        for (int i = 0; i < v.Length; i++)
        {
            float x = L + ((W - L - R) * (float)i / Math.Max(1, v.Length - 1));
            float y = H - B - (float)((double.IsFinite(v[i]) ? v[i] - min : 0) / (max - min) * (H - T - B));
            if (i == 0)
            {
                path.MoveTo(x, y);
            }
            else
            {
                path.LineTo(x, y);
            }
        }

        canvas.DrawPath(path, line);
        if (typeface is not null)
        {
            using var font = new SKFont(typeface, 14);
            using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            var a = image.XAxis;
            string F(double d) => d.ToString("G4", CultureInfo.InvariantCulture);
            canvas.DrawText(F(a.Offset), L, H - B + 20, SKTextAlign.Left, font, text);
            canvas.DrawText(F(a.Offset + (a.Scale * (a.Size - 1))), W - R, H - B + 20, SKTextAlign.Right, font, text);
            string label = (a.Name.Length > 0 ? a.Name : "channel") + (a.Units.Length > 0 ? $" ({a.Units})" : string.Empty);
            canvas.DrawText(label, L + ((W - L - R) / 2f), H - 15, SKTextAlign.Center, font, text);
            canvas.DrawText(F(max), L - 6, T + 14, SKTextAlign.Right, font, text);
            canvas.DrawText(F(min), L - 6, H - B, SKTextAlign.Right, font, text);
        }

        return output;
    }
}
