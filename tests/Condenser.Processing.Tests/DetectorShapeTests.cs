using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Processing.Analyses;
using Condenser.Processing.Kernels;

namespace Condenser.Processing.Tests;

/// <summary>LiberTEM's detector shapes (disk, ring, rectangle, point) against sums written out pixel by pixel, and analyses requested by name.</summary>
public sealed class DetectorShapeTests
{
    private const int Det = 24;

    private static (EmDataset Scan, float[] Values) Scan(int ny, int nx)
    {
        var ds = AnalysisRefusalTests.Scan(ny, nx, Det);
        return (ds, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(ds.ReadAll()).ToArray());
    }

    /// <summary>The image of the detector that counts the pixels <paramref name="inside"/> says, summed plainly.</summary>
    private static double[] Reference(float[] values, int positions, Func<int, int, bool> inside)
    {
        var image = new double[positions];
        for (int p = 0; p < positions; p++)
        {
            for (int y = 0; y < Det; y++)
            {
                for (int x = 0; x < Det; x++)
                {
                    if (inside(y, x))
                    {
                        image[p] += values[(((long)p * Det) + y) * Det + x];
                    }
                }
            }
        }

        return image;
    }

    public static TheoryData<string, double, double> Centres => new()
    {
        { "disk", 11.5, 11.5 }, { "disk", 7.25, 15.0 }, { "annulus", 12, 10.4 }, { "rectangle", 10.5, 12.0 }, { "rectangle", 3.2, 21.7 }, { "point", 9.5, 4.49 },
    };

    [Theory]
    [MemberData(nameof(Centres))]
    public void EachShapeSumsThePixelsItCovers(string shape, double cy, double cx)
    {
        var (ds, values) = Scan(3, 5);
        using var _ = ds;
        var parameters = new JsonObject { ["shape"] = shape, ["center"] = new JsonArray(cy, cx) };
        Func<int, int, bool> inside;
        double R2(int y, int x) => ((y - cy) * (y - cy)) + ((x - cx) * (x - cx));
        switch (shape)
        {
            case "disk":
                parameters["outer"] = 6.5;
                inside = (y, x) => R2(y, x) < 6.5 * 6.5;
                break;
            case "annulus":
                parameters["inner"] = 3;
                parameters["outer"] = 8;
                inside = (y, x) => R2(y, x) >= 9 && R2(y, x) < 64;
                break;
            case "rectangle":
                parameters["height"] = 7;
                parameters["width"] = 9;
                inside = (y, x) => y >= cy - 3.5 && y < cy + 3.5 && x >= cx - 4.5 && x < cx + 4.5;
                break;
            default:
                inside = (y, x) => y == (int)Math.Round(cy, MidpointRounding.AwayFromZero) && x == (int)Math.Round(cx, MidpointRounding.AwayFromZero);
                break;
        }

        var result = AnalysisRequests.Run(VirtualImage.Name, parameters, new AnalysisRun(ds));
        Assert.Equal(Reference(values, 15, inside), result.Values(VirtualImage.Title));
        Assert.Equal(shape == "annulus" ? null : shape, result.Provenance.Parameters["detector_shape"] as string);
    }

    [Fact]
    public void ALiberTemRectangleWithWholePixelCornersCoversTheSamePixels()
    {
        // LiberTEM's rectangular(X, Y, Width, Height): X ≤ x < X + Width, Y ≤ y < Y + Height.
        var spans = PixelSpans.Rectangle(Det, Det, top: 4, left: 6, rows: 3, cols: 5);
        var covered = spans.SelectMany(s => Enumerable.Range(s.Start, s.Length)).ToHashSet();
        var liber = Enumerable.Range(4, 3).SelectMany(y => Enumerable.Range(6, 5).Select(x => (y * Det) + x)).ToHashSet();
        Assert.Equal(liber, covered);
        Assert.Empty(PixelSpans.Rectangle(Det, Det, 30, 30, 4, 4));
        Assert.Empty(PixelSpans.Point(Det, Det, -0.6, 3));
        Assert.Equal(Det - 1, Assert.Single(PixelSpans.Point(Det, Det, 0, Det - 1.4)).Start);
    }

    [Fact]
    public void RequestsNameWhatIsWrong()
    {
        var (ds, _) = Scan(2, 2);
        using var _ = ds;
        string Refusal(string name, JsonObject? p) => Assert.Throws<ArgumentException>(() => AnalysisRequests.Run(name, p, new AnalysisRun(ds))).Message;
        Assert.Contains("'radius'", Refusal(VirtualImage.Name, new JsonObject { ["outer"] = 4, ["radius"] = 2 }));
        Assert.Contains("'shape'", Refusal(VirtualImage.Name, new JsonObject { ["shape"] = "hexagon", ["outer"] = 4 }));
        Assert.Contains("'height'", Refusal(VirtualImage.Name, new JsonObject { ["shape"] = "rectangle", ["width"] = 4 }));
        Assert.Contains("'center'", Refusal(VirtualImage.Name, new JsonObject { ["shape"] = "point" }));
        Assert.Contains("'center'", Refusal(CenterOfMassAnalysis.Name, new JsonObject { ["center"] = new JsonArray(1) }));
        Assert.Contains("'outer'", Refusal(VirtualImage.Name, new JsonObject { ["outer"] = "wide" }));
        Assert.Contains("holds no detector pixel", Refusal(VirtualImage.Name, new JsonObject { ["shape"] = "rectangle", ["center"] = new JsonArray(100, 100), ["height"] = 2, ["width"] = 2 }));
        Assert.Contains("takes none", Refusal(PatternStatisticsAnalysis.Name, new JsonObject { ["bins"] = 3 }));
        Assert.Contains("'denoise'", Refusal("denoise", null));
        Assert.Equal(AnalysisRequests.All.Count, AnalysisRequests.All.Select(a => a.Name).Distinct().Count());
    }
}
