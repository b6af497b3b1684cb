using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Learning.Segmentation;
using Condenser.Processing.Analyses;

namespace Condenser.Learning.Analyses;

/// <summary>What segmentation returns beside its result: the classifier (trained now, or the one given).</summary>
/// <param name="Result">The class image (uint8, 1..K, the image's shape and axes), the summary and the provenance.</param>
/// <param name="Model">The pixel classifier that made it.</param>
/// <param name="Maps">Per frame the classes and the trees' vote entropy.</param>
public sealed record SegmentationResult(AnalysisResult Result, PixelClassifier Model, SegmentationMaps Maps);

/// <summary>
/// Few-shot segmentation of an image or a stack of images: a pixel classifier (multi-scale filter bank + random
/// forest, as ilastik's pixel classification) trained on a label image (0 unlabelled, 1..K classes) or loaded from a
/// saved model; per class the area fraction with its spread over the forest's trees (each trained on a bootstrap of
/// the shots), the connected regions (8-connectivity) with their size distribution, and the trees' vote entropy.
/// </summary>
public static class SegmentationAnalysis
{
    /// <summary>Name of the analysis.</summary>
    public const string Name = "segment";

    /// <summary>Version of the method.</summary>
    public const int Version = 1;

    /// <summary>Title of the class image.</summary>
    public const string Classes = "segmentation";

    /// <summary>
    /// Trains on <paramref name="labels"/> (integer image of the frame's shape, or a stack with one label page per
    /// frame) and segments the run's dataset.
    /// </summary>
    public static SegmentationResult Train(AnalysisRun run, EmDataset labels, SegmentationOptions options)
    {
        var frames = Frames(run.Dataset);
        var pages = LabelPages(labels, frames);
        var pixel = PixelSize(run.Dataset);
        var model = PixelClassifier.Train(frames, pages, options with { Forest = options.Forest with { Workers = run.Options.Workers } }, run.Options.Cancel);
        model = model.WithTraining(model.Training with { PixelSize = pixel?.Size, Units = pixel?.Units });
        var parameters = new MetadataTree();
        parameters["labels"] = labels.Name;
        parameters["scales_px"] = string.Join(",", options.Scales);
        parameters["trees"] = options.Forest.Trees;
        parameters["max_depth"] = options.Forest.MaxDepth;
        parameters["seed"] = options.Forest.Seed;
        parameters["max_samples_per_class"] = options.MaxSamplesPerClass;
        return Segment(run, frames, model, parameters);
    }

    /// <summary>Segments the run's dataset with a saved <paramref name="model"/> (<paramref name="modelName"/> is recorded).</summary>
    public static SegmentationResult Apply(AnalysisRun run, PixelClassifier model, string modelName)
    {
        var frames = Frames(run.Dataset);
        var parameters = new MetadataTree();
        parameters["model"] = modelName;
        parameters["scales_px"] = string.Join(",", model.Bank.Scales);
        parameters["trees"] = model.Forest.Trees.Count;
        return Segment(run, frames, model, parameters);
    }

    /// <summary>
    /// The training image's pixel size, and a warning when <paramref name="ds"/>'s differs from it by more than 10 %:
    /// the filter scales are in pixels, so a model sees other structures at another magnification.
    /// </summary>
    public static string? ScaleWarning(EmDataset ds, PixelClassifier model)
    {
        var here = PixelSize(ds);
        if (here is null || model.Training.PixelSize is not { } trained || model.Training.Units != here.Value.Units || trained <= 0)
        {
            return null;
        }

        double ratio = here.Value.Size / trained;
        return ratio is > 1.1 or < 1 / 1.1
            ? $"the model was trained on pixels of {trained:G4} {here.Value.Units}; this image's are {here.Value.Size:G4} {here.Value.Units} ({ratio:0.##}×): its filter scales see other structures here"
            : null;
    }

    private static SegmentationResult Segment(AnalysisRun run, ImageFrames frames, PixelClassifier model, MetadataTree parameters)
    {
        var ds = run.Dataset;
        var progress = run.Options.Progress?.Invoke("segment", (long)frames.Count * frames.Height * frames.Width);
        var maps = model.Apply(frames, run.Options.Workers, progress, run.Options.Cancel);
        int k = model.Classes, h = frames.Height, w = frames.Width;
        var bytes = new byte[(long)frames.Count * h * w];
        for (int f = 0; f < frames.Count; f++)
        {
            maps.Classes[f].CopyTo(bytes, (long)f * h * w);
        }

        var md = ds.Metadata.Clone();
        md.Title = Classes;
        md.SignalType = SignalTypes.Image;
        var image = new EmDataset(Classes, ds.Shape, ds.Axes, DType.UInt8, new MemoryStorage(bytes), md);
        var summary = Summary(ds, frames, model, maps);
        return new SegmentationResult(run.Result(Name, Version, parameters, [image], summary), model, maps);
    }

    private static JsonObject Summary(EmDataset ds, ImageFrames frames, PixelClassifier model, SegmentationMaps maps)
    {
        int k = model.Classes, trees = model.Forest.Trees.Count;
        long total = (long)frames.Count * frames.Height * frames.Width;
        var counts = new long[k];
        var entropy = new double[k];
        var regionSizes = Enumerable.Range(0, k).Select(_ => new List<long>()).ToArray();
        for (int f = 0; f < frames.Count; f++)
        {
            var cls = maps.Classes[f];
            var ent = maps.Entropy[f];
            for (int i = 0; i < cls.Length; i++)
            {
                counts[cls[i] - 1]++;
                entropy[cls[i] - 1] += ent[i];
            }

            foreach (var (value, pixels) in ConnectedRegions.Label(cls, frames.Height, frames.Width).Regions)
            {
                regionSizes[value - 1].Add(pixels);
            }
        }

        var pixel = PixelSize(ds);
        var classes = new JsonArray();
        for (int c = 0; c < k; c++)
        {
            var perTree = Enumerable.Range(0, trees).Select(t => maps.TreeClassPixels[(t * k) + c] / (double)total).ToArray();
            double mean = perTree.Average();
            double std = Math.Sqrt(perTree.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, trees - 1));
            var sizes = regionSizes[c].Order().ToArray();
            var entry = new JsonObject
            {
                ["class"] = c + 1,
                ["fraction"] = counts[c] / (double)total,
                ["fraction_std"] = std,
                ["regions"] = sizes.Length,
                ["region_pixels"] = sizes.Length == 0 ? null : new JsonObject
                {
                    ["min"] = sizes[0],
                    ["median"] = Median(sizes),
                    ["mean"] = sizes.Average(),
                    ["max"] = sizes[^1],
                },
                ["mean_entropy"] = counts[c] > 0 ? entropy[c] / counts[c] : null,
                ["labelled_pixels"] = model.Training.LabelledPixels[c],
                ["shots"] = model.Training.Shots[c],
            };
            if (pixel is { } p && sizes.Length > 0)
            {
                double area = p.Size * p.Size;
                entry["region_area"] = new JsonObject
                {
                    ["units"] = $"{p.Units}²",
                    ["median"] = Median(sizes) * area,
                    ["mean"] = sizes.Average() * area,
                    ["max"] = sizes[^1] * area,
                };
            }

            classes.Add(entry);
        }

        return new JsonObject
        {
            ["classes"] = classes,
            ["class_count"] = k,
            ["frames"] = frames.Count,
            ["pixels"] = total,
            ["trees"] = trees,
            ["features"] = model.Bank.Count,
            ["mean_entropy"] = maps.Entropy.Sum(e => e.Sum(v => (double)v)) / total,
            ["fraction_std_is"] = "standard deviation over the trees' own segmentations; each tree is trained on a bootstrap of the shots",
        };
    }

    private static double Median(long[] sorted) => sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;

    /// <summary>The dataset's frames as float32 images; refuses what is not a real 2-d image or a stack of them.</summary>
    public static ImageFrames Frames(EmDataset ds)
    {
        if (ds.Shape.Signal.Count != 2 || ds.DType.IsComplex() || ds.DType is DType.Rgb8 or DType.Rgba8)
        {
            throw new ArgumentException($"{ds.Name}: segmentation needs a real 2-d image or a stack of them, not {string.Join("×", ds.Shape.Signal)} {ds.DType.Name()}");
        }

        if (ds.FrameCount > int.MaxValue)
        {
            throw new ArgumentException($"{ds.Name}: {ds.FrameCount} frames");
        }

        int h = ds.Shape.Signal[0], w = ds.Shape.Signal[1];
        if ((long)h * w > int.MaxValue / 4)
        {
            throw new ArgumentException($"{ds.Name}: a {h}×{w} frame is too large to segment ({int.MaxValue / 4} pixels at most)");
        }

        return new ImageFrames((int)ds.FrameCount, h, w, f =>
        {
            var raw = new byte[ds.FrameBytes];
            ds.ReadFrame(f, raw);
            var values = new double[h * w];
            ds.DType.ReadInto(raw, values);
            var image = new float[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                image[i] = (float)values[i];
            }

            return image;
        });
    }

    /// <summary>
    /// The label pages for <paramref name="frames"/>: an integer image of the frame's shape (the shots on the first
    /// frame) or one page per frame; values 0..255.
    /// </summary>
    private static byte[]?[] LabelPages(EmDataset labels, ImageFrames frames)
    {
        if (labels.DType is DType.Float32 or DType.Float64 or DType.Complex64 or DType.Complex128 or DType.Rgb8 or DType.Rgba8)
        {
            throw new ArgumentException($"{labels.Name}: labels must be integers (uint8: 0 unlabelled, 1..K classes), not {labels.DType.Name()}");
        }

        var sig = labels.Shape.Signal;
        if (sig.Count != 2 || sig[0] != frames.Height || sig[1] != frames.Width)
        {
            throw new ArgumentException($"{labels.Name}: labels of {string.Join("×", sig)} for an image of {frames.Height}×{frames.Width}: they must have the image's shape");
        }

        if (labels.FrameCount != 1 && labels.FrameCount != frames.Count)
        {
            throw new ArgumentException($"{labels.Name}: {labels.FrameCount} label pages for {frames.Count} frames: give one page (for the first frame) or one per frame");
        }

        var pages = new byte[]?[frames.Count];
        var raw = new byte[labels.FrameBytes];
        var values = new double[frames.Height * frames.Width];
        for (int f = 0; f < labels.FrameCount; f++)
        {
            labels.ReadFrame(f, raw);
            labels.DType.ReadInto(raw, values);
            var page = new byte[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                double v = values[i];
                if (v < 0 || v > 255)
                {
                    throw new ArgumentException($"{labels.Name}: label {v} at pixel ({i / frames.Width}, {i % frames.Width}) of page {f}: labels are 0 (unlabelled) to 255");
                }

                page[i] = (byte)v;
            }

            pages[f] = page;
        }

        return pages;
    }

    private static (double Size, string Units)? PixelSize(EmDataset ds)
    {
        var x = ds.Axes[^1];
        return x.Units.Length > 0 && x.Scale > 0 && double.IsFinite(x.Scale) && x.Units != "px" ? (x.Scale, x.Units) : null;
    }
}
