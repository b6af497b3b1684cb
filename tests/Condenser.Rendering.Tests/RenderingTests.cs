using Condenser.Data;
using Condenser.Processing.Imaging;
using SkiaSharp;

namespace Condenser.Rendering.Tests;

/// <summary>Figures: the font comes from fontconfig, labels are drawn, and only this library holds SkiaSharp.</summary>
public sealed class RenderingTests
{
    [Fact]
    public void FontconfigFindsTheLabelFont()
    {
        // CI installs fontconfig and fonts-dejavu-core; fontconfig resolves the family to the package's file.
        var file = Fonts.Match("DejaVu Sans");
        Assert.NotNull(file);
        Assert.True(File.Exists(file), file);
        Assert.NotNull(Fonts.Label);
        Assert.Equal("DejaVu Sans", Fonts.Label!.FamilyName);
    }

    [Fact]
    public void AScaleBarAndAColourBarCarryText()
    {
        var values = Enumerable.Range(0, 64 * 64).Select(i => (double)(i % 64)).ToArray();
        var axis = new Axis("x", 64, 0.5, 0, "nm", false);
        var png = PngRenderer.Encode(new PreviewImage(64, 64, values, null, axis, "test"), log: false, minSize: 256, colorBar: true);
        using var bitmap = SKBitmap.Decode(png);
        Assert.True(bitmap.Width >= 256);

        // The caption is drawn beside the colour bar: another caption gives other pixels. Without a font nothing is
        // written and both figures are the same.
        var other = PngRenderer.Encode(new PreviewImage(64, 64, values, null, axis, "another caption entirely"), log: false, minSize: 256, colorBar: true);
        using var otherBitmap = SKBitmap.Decode(other);
        Assert.Equal(bitmap.Width, otherBitmap.Width);
        int differing = 0;
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                if (bitmap.GetPixel(x, y) != otherBitmap.GetPixel(x, y))
                {
                    differing++;
                }
            }
        }

        Assert.True(differing > 50, $"{differing} pixels differ between two captions");
    }

    [Fact]
    public void OnlyRenderingReferencesSkiaSharp()
    {
        foreach (var assembly in new[] { typeof(Processing.MapReduce.FrameExecutor).Assembly, typeof(EmDataset).Assembly })
        {
            Assert.DoesNotContain(assembly.GetReferencedAssemblies(), a => a.Name!.StartsWith("SkiaSharp", StringComparison.Ordinal));
        }
    }
}
