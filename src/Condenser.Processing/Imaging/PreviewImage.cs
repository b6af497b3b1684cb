using System.Runtime.InteropServices;
using Condenser.Data;

namespace Condenser.Processing.Imaging;

/// <summary>
/// The 2-d picture of a dataset that a microscopist expects: the image itself, the mean frame of a stack or of a
/// 4D-STEM scan, the summed-signal map of a spectrum image, or (for one spectrum) the values to plot.
/// </summary>
/// <param name="Width">Pixels across.</param>
/// <param name="Height">Pixels down (1 for a spectrum).</param>
/// <param name="Values">Grey values, row-major (or the spectrum), null for colour.</param>
/// <param name="Rgba">RGBA bytes, row-major, for colour images.</param>
/// <param name="XAxis">The axis across, for the scale bar.</param>
/// <param name="Caption">What the picture shows.</param>
public sealed record PreviewImage(int Width, int Height, double[]? Values, byte[]? Rgba, Axis XAxis, string Caption)
{
    /// <summary>True when the picture is one spectrum, drawn as a line plot.</summary>
    public bool IsSpectrum => Height == 1 && Values is not null;

    /// <summary>Grey values: <see cref="Values"/>, or the luminance (Rec. 601 weights) of a colour picture.</summary>
    public double[] GreyValues()
    {
        if (Values is not null)
        {
            return Values;
        }

        var v = new double[Rgba!.Length / 4];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (0.299 * Rgba[i * 4]) + (0.587 * Rgba[(i * 4) + 1]) + (0.114 * Rgba[(i * 4) + 2]);
        }

        return v;
    }

    public static PreviewImage From(EmDataset ds, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        var sig = ds.Shape.Signal;
        var nav = ds.Shape.Navigation;
        bool rgb = ds.DType is DType.Rgb8 or DType.Rgba8;
        int channels = rgb ? sig[^1] : 1;
        int sigRank = sig.Count - (rgb ? 1 : 0);
        if (sigRank >= 2)
        {
            int h = sig[sigRank - 2], w = sig[sigRank - 1];
            long per = (long)h * w * channels;
            var mean = MeanFrame(ds, per, progress, cancel);
            var xAxis = ds.Axes[nav.Count + sigRank - 1];
            string caption = ds.FrameCount > 1 ? $"mean of {ds.FrameCount} frames" : ds.Metadata.SignalType ?? "image";
            if (rgb)
            {
                var bytes = new byte[(long)h * w * 4];
                for (long p = 0; p < (long)h * w; p++)
                {
                    for (int c = 0; c < 4; c++)
                    {
                        bytes[(p * 4) + c] = c < channels ? (byte)Math.Clamp(Math.Round(mean[(p * channels) + c]), 0, 255) : (byte)255;
                    }
                }

                return new PreviewImage(w, h, null, bytes, xAxis, caption);
            }

            return new PreviewImage(w, h, mean, null, xAxis, caption);
        }

        if (sigRank == 1 && nav.Count == 0)
        {
            return new PreviewImage(sig[0], 1, MeanFrame(ds, sig[0]), null, ds.Axes[^1], ds.Metadata.SignalType ?? "spectrum");
        }

        // A spectrum image (or line): the sum over the signal at each scan position.
        int n = nav.Count;
        int width = n >= 1 ? nav[n - 1] : 1;
        long height = ds.FrameCount / Math.Max(1, width);
        var map = SignalSums(ds, progress, cancel);
        if (n == 1)
        {
            // A line of spectra is shown as position × energy.
            var whole = new double[ds.Shape.ElementCount];
            ReadAsDouble(ds, whole);
            return new PreviewImage(sig[0], nav[0], whole, null, ds.Axes[^1], "line of spectra");
        }

        return new PreviewImage(width, checked((int)height), map, null, ds.Axes[n - 1], "signal summed at each scan position");
    }

    /// <summary>
    /// The mean frame over every position: for a spectrum image or line the mean spectrum (one row, the energy
    /// axis); otherwise what <see cref="From"/> gives (a stack's or 4D-STEM scan's mean frame).
    /// </summary>
    public static PreviewImage MeanFrame(EmDataset ds, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        var sig = ds.Shape.Signal;
        if (sig.Count != 1 || ds.Shape.Navigation.Count == 0)
        {
            return From(ds, progress, cancel);
        }

        return new PreviewImage(sig[0], 1, MeanFrame(ds, sig[0], progress, cancel), null, ds.Axes[^1], $"mean of {ds.FrameCount} spectra");
    }

    private static double[] MeanFrame(EmDataset ds, long per, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        var acc = new double[per];
        long frames = 0;
        ds.ForEachPartition(64L << 20, (_, bytes) =>
        {
            int count = (int)(bytes.Length / ds.FrameBytes);
            for (int f = 0; f < count; f++)
            {
                ds.DType.AddTo(bytes.Slice((int)(f * ds.FrameBytes), (int)ds.FrameBytes), acc);
            }

            frames += count;
        }, cancel, progress);
        if (frames > 1)
        {
            for (long i = 0; i < per; i++)
            {
                acc[i] /= frames;
            }
        }

        return acc;
    }

    private static double[] SignalSums(EmDataset ds, IProgress<double>? progress, CancellationToken cancel)
    {
        var sums = new double[ds.FrameCount];
        var frame = new double[ds.Shape.SignalCount];
        ds.ForEachPartition(64L << 20, (first, bytes) =>
        {
            int count = (int)(bytes.Length / ds.FrameBytes);
            for (int f = 0; f < count; f++)
            {
                Array.Clear(frame);
                ds.DType.AddTo(bytes.Slice((int)(f * ds.FrameBytes), (int)ds.FrameBytes), frame);
                double s = 0;
                foreach (var v in frame)
                {
                    s += double.IsFinite(v) ? v : 0;
                }

                sums[first + f] = s;
            }
        }, cancel, progress);
        return sums;
    }

    private static void ReadAsDouble(EmDataset ds, double[] into)
    {
        ds.ForEachPartition(64L << 20, (first, bytes) =>
        {
            var part = new double[bytes.Length / ds.DType.Size() / (ds.DType.IsComplex() ? 2 : 1)];
            ds.DType.AddTo(bytes, part);
            part.CopyTo(into, first * ds.Shape.SignalCount);
        });
    }
}
