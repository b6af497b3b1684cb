using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Formats;
using Condenser.Learning.Analyses;
using Condenser.Learning.Segmentation;

namespace Condenser.Cli.Commands;

/// <summary>
/// <c>condenser segment IMAGE --labels LABELS.tif [--save-model MODEL] -o SEG.tif [--json]</c> and
/// <c>condenser segment IMAGE --model MODEL -o SEG.tif</c>: few-shot segmentation (<see cref="SegmentationAnalysis"/>).
/// </summary>
/// <remarks>
/// Where ilastik differs: its default filter set uses Gaussian-derivative kernels at scales 0.3–10 px and a 100-tree
/// forest; here derivatives are central differences of the smoothed image, scales 1, 2, 4, 8 px and 48 trees by
/// default (<c>--scales</c>, <c>--trees</c>), and split thresholds come from 64 quantile bins per feature.
/// </remarks>
internal static class SegmentCommand
{
    /// <summary>Longest side of the figure beside the segmentation (pixels).</summary>
    private const int FigurePixels = 1024;

    public static Command Create()
    {
        var a = new AnalysisOptions();
        var labels = new Option<string?>("--labels") { Description = "label image (uint8 TIFF or any readable integer image of the image's shape): 0 unlabelled, 1..K classes" };
        var model = new Option<string?>("--model") { Description = "apply a saved pixel classifier instead of training one" };
        var save = new Option<string?>("--save-model") { Description = "save the trained pixel classifier (JSON) to apply to other images" };
        var trees = new Option<int>("--trees") { Description = "trees of the random forest", DefaultValueFactory = _ => new ForestOptions().Trees };
        var scales = new Option<string>("--scales") { Description = "filter scales in pixels, comma-separated", DefaultValueFactory = _ => string.Join(",", FilterBank.DefaultScales.Select(s => s.ToString(CultureInfo.InvariantCulture))) };
        var seed = new Option<int>("--seed") { Description = "seed of the forest's bootstraps", DefaultValueFactory = _ => 1 };
        var entropy = new Option<string?>("--uncertainty") { Description = "also write the trees' vote entropy per pixel (float32 TIFF, 0 unanimous .. 1 evenly split)" };
        var c = a.Create("segment", "few-shot segmentation of an image or stack: a random forest on multi-scale filter features, trained on a few labelled pixels per class", labels, model, save, trees, scales, seed, entropy);
        c.SetAction(r => CommandRunner.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            string? labelsPath = r.GetValue(labels), modelPath = r.GetValue(model), savePath = r.GetValue(save), entropyPath = r.GetValue(entropy);
            if ((labelsPath is null) == (modelPath is null))
            {
                throw new ArgumentException("give either --labels (train on them) or --model (apply a saved classifier)");
            }

            if (modelPath is not null && savePath is not null)
            {
                throw new ArgumentException("--save-model saves a classifier trained on --labels; with --model there is nothing new to save");
            }

            var outPath = Results.OutputPath(r.GetValue(a.Output)!);
            if (savePath is not null)
            {
                Results.OutputPath(savePath);
            }

            if (entropyPath is not null)
            {
                Results.OutputPath(entropyPath);
            }

            var loaded = modelPath is null ? null : ClassifierFile.Load(modelPath);
            using var file = a.Open(r);
            var ds = file.Datasets[0];
            SegmentationResult result;
            if (loaded is not null)
            {
                if (SegmentationAnalysis.ScaleWarning(ds, loaded) is { } warning)
                {
                    Console.Error.WriteLine($"warning: {warning}");
                }

                result = SegmentationAnalysis.Apply(a.RunFor(r, ds), loaded, Path.GetFileName(modelPath!));
            }
            else
            {
                using var labelFile = FormatRegistry.Open(labelsPath!);
                var options = new SegmentationOptions(
                    CommonOptions.ParseDoubles(r.GetValue(scales)!, "--scales"),
                    new ForestOptions(Trees: r.GetValue(trees), Seed: r.GetValue(seed)));
                result = SegmentationAnalysis.Train(a.RunFor(r, ds), labelFile.Datasets[0], options);
                if (savePath is not null)
                {
                    ClassifierFile.Save(savePath, result.Model);
                }
            }

            if (entropyPath is not null)
            {
                var maps = result.Maps.Entropy;
                var values = maps.SelectMany(m => m.Select(v => (double)v)).ToArray();
                var seg = result.Result[SegmentationAnalysis.Classes];
                var uncertainty = Condenser.Processing.Analyses.ResultDatasets.Float64("vote entropy", seg.Shape, seg.Axes, values, seg.Metadata);
                FormatRegistry.WriterFor(entropyPath).Write(entropyPath, [uncertainty]);
            }

            a.Finish(r, clock, outPath, result.Result, () =>
            {
                var figure = new JsonObject();
                var seg = result.Result[SegmentationAnalysis.Classes];
                int h = seg.Shape.Signal[0], w = seg.Shape.Signal[1];
                var png = Path.ChangeExtension(outPath, ".png");
                // The figure is an overview: a map larger than 1024 px is shown by every n-th pixel (a class map is not averaged).
                int step = Math.Max(1, (int)Math.Ceiling(Math.Max(h, w) / (double)FigurePixels));
                int fh = (h + step - 1) / step, fw = (w + step - 1) / step;
                var classes = result.Maps.Classes[0];
                var values = new double[fh * fw];
                for (int y = 0; y < fh; y++)
                {
                    for (int x = 0; x < fw; x++)
                    {
                        values[(y * fw) + x] = classes[(y * step * w) + (x * step)];
                    }
                }

                var axis = seg.Axes[^1] with { Size = fw, Scale = seg.Axes[^1].Scale * step };
                Condenser.Rendering.PngRenderer.Write(new Condenser.Processing.Imaging.PreviewImage(fw, fh, values, null, axis, "class"), png, log: false, minSize: 512, colorBar: true);
                figure["figure"] = png;
                figure["model"] = savePath;
                figure["uncertainty"] = entropyPath;
                return figure;
            });
            return 0;
        }));
        return c;
    }
}
