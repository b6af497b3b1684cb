using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Analyses;
using Condenser.Processing.Imaging;
using Condenser.Rendering;

namespace Condenser.Catalog.Ingest;

/// <summary>The pictures of a dataset that the library keeps, and the descriptor computed from them.</summary>
/// <param name="Preview">The calibrated preview PNG (scale bar), as <c>condenser preview</c> draws it.</param>
/// <param name="Thumbnail">A small PNG (≤ 256 px) for result lists.</param>
/// <param name="Pattern">For 4D-STEM: the mean diffraction pattern (log scale).</param>
/// <param name="VirtualImage">For 4D-STEM: the bright-field virtual image (disk found on the mean pattern).</param>
/// <param name="Descriptor">The similarity descriptor.</param>
/// <param name="BrightField">For 4D-STEM: the virtual-image analysis behind the bright-field image (recorded among the record's analyses).</param>
public sealed record PreviewSet(byte[] Preview, byte[] Thumbnail, byte[]? Pattern, byte[]? VirtualImage, float[] Descriptor, AnalysisResult? BrightField = null)
{
    /// <summary>Preview kinds as stored and served.</summary>
    public static readonly string[] Kinds = ["preview", "thumb", "pattern", "virtual"];

    /// <summary>Computes the previews: one pass for the mean picture, one more for a 4D-STEM virtual image.</summary>
    public static PreviewSet For(EmDataset ds, CancellationToken cancel = default)
    {
        var picture = PreviewImage.From(ds, null, cancel);
        if (!FourDStemInputs.IsDiffractionScan(ds) || picture.Values is null)
        {
            return new PreviewSet(PngRenderer.Encode(picture, false), PngRenderer.Thumbnail(picture, false), null, null, Describe(picture));
        }

        var virt = VirtualBrightField(ds, picture.Values!, out var brightField, cancel);
        var pattern = PngRenderer.Encode(picture, true);
        var virtualImage = PngRenderer.Encode(virt, false);
        return new PreviewSet(virtualImage, PngRenderer.Thumbnail(virt, false), pattern, virtualImage, Describe(virt), brightField);
    }

    private static float[] Describe(PreviewImage p) => Similarity.Descriptor.Of(p.GreyValues(), p.Width, p.Height);

    /// <summary>
    /// The bright-field image of a 4D-STEM scan: the disk found on the mean pattern, summed at each position (the
    /// <see cref="VirtualImage"/> analysis with <see cref="VirtualImageParameters.BrightField"/>).
    /// </summary>
    public static PreviewImage VirtualBrightField(EmDataset ds, double[] meanPattern, CancellationToken cancel = default)
        => VirtualBrightField(ds, meanPattern, out _, cancel);

    /// <summary>The bright-field image, and the analysis result it comes from (whose provenance the catalogue records).</summary>
    public static PreviewImage VirtualBrightField(EmDataset ds, double[] meanPattern, out AnalysisResult result, CancellationToken cancel = default)
    {
        int h = ds.Shape.Signal[0], w = ds.Shape.Signal[1];
        var parameters = VirtualImageParameters.BrightField(meanPattern, h, w, out _);
        var run = new AnalysisRun(ds, null, new AnalysisRunOptions { Cancel = cancel, Identify = false });
        result = Processing.Analyses.VirtualImage.Run(run, parameters);
        var image = result.Values(Processing.Analyses.VirtualImage.Title);
        var nav = ds.Shape.Navigation;
        int width = nav[^1];
        int height = checked((int)(ds.FrameCount / width));
        return new PreviewImage(width, height, image, null, ds.Axes[nav.Count - 1], $"bright field (r = {parameters.Outer:F1} px)");
    }
}
