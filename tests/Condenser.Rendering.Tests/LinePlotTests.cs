using SkiaSharp;

namespace Condenser.Rendering.Tests;

/// <summary>Line plots: ticks at 1, 2 or 5 × 10^k, the data drawn where its values say, bad series refused.</summary>
public sealed class LinePlotTests
{
    [Theory]
    [InlineData(10, 2)]
    [InlineData(7, 2)]
    [InlineData(100, 20)]
    [InlineData(0.03, 0.01)]
    [InlineData(2304, 500)]
    public void Ticks_fall_on_one_two_or_five_times_a_power_of_ten(double span, double step) =>
        Assert.Equal(step, LinePlot.Step(span), 12);

    [Fact]
    public void A_line_is_drawn_where_its_values_lie()
    {
        // y = x from 0 to 10 on a 720 × 420 plot: the line's colour along the frame's diagonal, white far from it.
        using var bitmap = LinePlot.Draw("t", "x", "y", [new PlotSeries("a", [0, 10], [0, 10])]);
        float left = 78, right = 700, top = 34, bottom = 368;
        int onLine = 0;
        for (int k = 1; k <= 8; k++)
        {
            double f = k / 10.0;
            int px = (int)Math.Round(left + (f * (right - left))), py = (int)Math.Round(bottom - (f * (bottom - top)));
            bool near = false;
            for (int dy = -1; dy <= 1; dy++)
            {
                for (int dx = -1; dx <= 1; dx++)
                {
                    var c = bitmap.GetPixel(px + dx, py + dy);
                    near |= c.Blue > 120 && c.Red < 120;
                }
            }

            onLine += near ? 1 : 0;
        }

        Assert.Equal(8, onLine);
        Assert.Equal(SKColors.White, bitmap.GetPixel((int)(left + (0.8 * (right - left))) + 3, (int)(bottom - (0.2 * (bottom - top))) + 3));
    }

    [Fact]
    public void A_series_whose_lengths_differ_is_refused() =>
        Assert.Contains("2 abscissae and 1 ordinates", Assert.Throws<ArgumentException>(() => LinePlot.Draw("t", "x", "y", [new PlotSeries("a", [0, 1], [0])])).Message);
}
