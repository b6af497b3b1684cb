using Condenser.Data;
using Condenser.Processing.Imaging;
using SkiaSharp;

namespace Condenser.Rendering.Tests;

/// <summary>
/// What the CLI's figures say: scale-bar lengths with the unit that puts the number between 1 and 999, labels never
/// cut at the figure's edge, the scree without its numerical zeros, the DPC field relative to its mean shift.
/// </summary>
public sealed class FigureLabelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-figures-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0.0005, "µm", 500, "pm")]
    [InlineData(5000, "nm", 5, "µm")]
    [InlineData(0.5, "nm", 500, "pm")]
    [InlineData(20, "nm", 20, "nm")]
    [InlineData(5, "Å", 500, "pm")]
    [InlineData(2e-6, "m", 2, "µm")]
    [InlineData(0.002, "1/nm", 2, "1/µm")]
    [InlineData(2000, "1/nm", 2, "1/pm")]
    [InlineData(0.5, "1/Å", 5, "1/nm")]
    [InlineData(0.5, "mrad", 500, "µrad")]
    [InlineData(2500, "mrad", 2.5, "rad")]
    [InlineData(0.5, "eV", 0.5, "eV")]
    [InlineData(1e-20, "m", 1e-8, "pm")]
    public void LengthsAndAnglesAreWrittenBetweenOneAndNineHundredNinetyNine(double value, string unit, double expected, string expectedUnit)
    {
        var (v, u) = Units.Normalise(value, unit);
        Assert.Equal(expectedUnit, u);
        Assert.Equal(expected, v, expected * 1e-12);
    }

    [Fact]
    public void AQuantityAtTheTopOfItsUnitIsOneOfTheNext()
    {
        Assert.Equal("1 µm", Units.Format(999.9999999999, "nm"));
        Assert.Equal("500 pm", Units.Format(0.0005, "µm"));
        Assert.Equal("5 µm", Units.Format(5000, "nm"));
        Assert.Equal("3", Units.Format(3, string.Empty));
    }

    [Fact]
    public void TheScaleBarsLabelIsNeverCut()
    {
        // A label wider than its bar and the margin: the box grows to the left, inside the figure.
        var box = PngRenderer.ScaleBarBox(ow: 256, oh: 256, barPx: 20, labelWidth: 90, textSize: 14, thickness: 4, margin: 10);
        Assert.True(box.Width >= 90 + 16, $"box {box}");
        Assert.InRange(box.Left, 0, 256);
        Assert.InRange(box.Right, 0, 256);
        Assert.InRange(box.Top, 0, 256);
        Assert.InRange(box.Bottom, 0, 256);

        // Even one wider than the figure stays inside it.
        var wide = PngRenderer.ScaleBarBox(ow: 100, oh: 100, barPx: 20, labelWidth: 300, textSize: 14, thickness: 4, margin: 4);
        Assert.True(wide.Left >= 0 && wide.Right <= 100, $"box {wide}");

        // Drawn: the lower right corner of a figure of 0.05 nm pixels carries the bar's text (white on the dark box).
        var values = Enumerable.Range(0, 64 * 64).Select(_ => 0.0).ToArray();
        var png = PngRenderer.Encode(new PreviewImage(64, 64, values, null, new Axis("x", 64, 0.00005, 0, "µm", false), "x"), log: false, minSize: 256);
        using var bitmap = SKBitmap.Decode(png);
        int white = 0;
        for (int y = 128; y < 256; y++)
        {
            for (int x = 128; x < 256; x++)
            {
                white += bitmap.GetPixel(x, y).Red > 200 ? 1 : 0;
            }
        }

        Assert.True(white > 60, $"{white} white pixels where the scale bar and its label should be");
    }

    [Fact]
    public void TheScreeLeavesOutComponentsAtNumericalZero()
    {
        var path = Path.Combine(_dir, "scree.png");
        Assert.Equal(3, LinePlot.WriteScree(path, [-0.2, -1.1, -2.5, -16]));
        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal(720, bitmap.Width);
        Assert.Equal(4, LinePlot.WriteScree(path, [-0.2, -1.1, -2.5, -3]));
    }

    [Fact]
    public void TheFieldFigureShowsTheFieldWithoutItsMeanShift()
    {
        // A uniform descan shift of (3, 4) px with a small rotating field on top: drawn as it was, every position had
        // nearly the hue of (3, 4); without the mean the directions of the small field show.
        const int n = 32;
        var fy = new double[n * n];
        var fx = new double[n * n];
        for (int i = 0; i < n * n; i++)
        {
            double angle = 2 * Math.PI * i / (n * n) * 7;
            fy[i] = 3 + (0.2 * Math.Sin(angle));
            fx[i] = 4 + (0.2 * Math.Cos(angle));
        }

        var path = Path.Combine(_dir, "field.png");
        var (my, mx) = PngRenderer.WriteVectorField(path, fy, fx, n, n, new Axis("x", n, 1, 0, "nm", false), minSize: 256);
        Assert.Equal(3, my, 1e-9);
        Assert.Equal(4, mx, 1e-9);
        using var bitmap = SKBitmap.Decode(path);
        var hues = new HashSet<int>();
        for (int y = bitmap.Height / 2; y < bitmap.Height - 40; y += 3)
        {
            for (int x = bitmap.Width / 4; x < bitmap.Width; x += 3)
            {
                var c = bitmap.GetPixel(x, y);
                c.ToHsv(out float h, out float s, out float v);
                if (v > 20)
                {
                    hues.Add((int)(h / 30));
                }
            }
        }

        Assert.True(hues.Count >= 10, $"{hues.Count} of 12 hue sectors in the field");
    }
}
