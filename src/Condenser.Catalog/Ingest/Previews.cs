using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;
using Condenser.Processing.Rendering;

namespace Condenser.Catalog.Ingest;

/// <summary>The pictures of a dataset that the library keeps, and the descriptor computed from them.</summary>
/// <param name="Preview">The calibrated preview PNG (scale bar), as <c>condenser preview</c> draws it.</param>
/// <param name="Thumbnail">A small PNG (≤ 256 px) for result lists.</param>
/// <param name="Pattern">For 4D-STEM: the mean diffraction pattern (log scale).</param>
/// <param name="VirtualImage">For 4D-STEM: the bright-field virtual image (disk found on the mean pattern).</param>
/// <param name="Descriptor">The similarity descriptor.</param>
public sealed record PreviewSet(byte[] Preview, byte[] Thumbnail, byte[]? Pattern, byte[]? VirtualImage, float[] Descriptor)
{
    /// <summary>Preview kinds as stored and served.</summary>
    public static readonly string[] Kinds = ["preview", "thumb", "pattern", "virtual"];

    /// <summary>Computes the previews: one pass for the mean picture, one more for a 4D-STEM virtual image.</summary>
    public static PreviewSet For(EmDataset ds, CancellationToken cancel = default)
    {
        var picture = PreviewImage.From(ds, null, cancel);
        if (!IsDiffractionScan(ds) || picture.Values is null)
        {
            return new PreviewSet(PngRenderer.Encode(picture, false), PngRenderer.Thumbnail(picture, false), null, null, Describe(picture));
        }

        var virt = VirtualBrightField(ds, picture.Values!, cancel);
        var pattern = PngRenderer.Encode(picture, true);
        return new PreviewSet(PngRenderer.Encode(virt, false), PngRenderer.Thumbnail(virt, false), pattern, PngRenderer.Encode(virt, false), Describe(virt));
    }

    /// <summary>True for a scan of diffraction patterns (4D-STEM): real values, 2-d patterns, more than one position.</summary>
    public static bool IsDiffractionScan(EmDataset ds) => ds.Shape.Navigation.Count >= 1 && ds.Shape.Signal.Count == 2 && ds.FrameCount > 1
        && ds.Metadata.SignalType is SignalTypes.FourDStem or SignalTypes.Diffraction && !ds.DType.IsComplex() && ds.DType is not (DType.Rgb8 or DType.Rgba8);

    private static float[] Describe(PreviewImage p) => Similarity.Descriptor.Of(p);

    /// <summary>The bright-field image of a 4D-STEM scan: the disk found on the mean pattern, summed at each position.</summary>
    public static PreviewImage VirtualBrightField(EmDataset ds, double[] meanPattern, CancellationToken cancel = default)
    {
        int h = ds.Shape.Signal[0], w = ds.Shape.Signal[1];
        var disk = BrightFieldDisk.Detect(meanPattern, w);
        double r = disk.Radius > 0.5 ? disk.Radius : Math.Max(h, w);
        var detector = PixelSpans.Annulus(h, w, disk.CenterY, disk.CenterX, 0, r);
        var reducer = new VirtualDetectors([detector], ds.FrameCount);
        FrameExecutor.RunParallel(ds, [reducer], cancel: cancel);
        var nav = ds.Shape.Navigation;
        int width = nav[^1];
        int height = checked((int)(ds.FrameCount / width));
        return new PreviewImage(width, height, reducer.Images[0], null, ds.Axes[nav.Count - 1], $"bright field (r = {r:F1} px)");
    }
}
