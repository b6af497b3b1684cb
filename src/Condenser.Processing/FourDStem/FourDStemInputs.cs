using Condenser.Data;

namespace Condenser.Processing.FourDStem;

/// <summary>Checks and helpers shared by the 4D-STEM analyses.</summary>
public static class FourDStemInputs
{
    /// <summary>Throws unless the dataset has 2-d frames (diffraction patterns).</summary>
    public static (int Height, int Width) Detector(EmDataset ds)
    {
        if (ds.Shape.Signal.Count != 2 || ds.DType.IsComplex() || ds.DType is DType.Rgb8 or DType.Rgba8)
        {
            throw new ArgumentException($"{ds.Name}: a 4D-STEM analysis needs real-valued 2-d frames; this dataset's signal is {string.Join("×", ds.Shape.Signal)} {ds.DType.Name()}");
        }

        return (ds.Shape.Signal[0], ds.Shape.Signal[1]);
    }

    /// <summary>
    /// True for a scan of diffraction patterns (4D-STEM): real values, 2-d patterns, more than one position, and the
    /// file says diffraction or 4D-STEM.
    /// </summary>
    public static bool IsDiffractionScan(EmDataset ds) => ds.Shape.Navigation.Count >= 1 && ds.Shape.Signal.Count == 2 && ds.FrameCount > 1
        && ds.Metadata.SignalType is SignalTypes.FourDStem or SignalTypes.Diffraction && !ds.DType.IsComplex() && ds.DType is not (DType.Rgb8 or DType.Rgba8);

    /// <summary>The centre of the bright-field disk of the sampled mean pattern (row, column in detector pixels).</summary>
    public static (double Y, double X) DiskCenter(EmDataset ds)
    {
        var disk = BrightFieldDisk.Detect(SampledMeanPattern(ds), ds.Shape.Signal[1]);
        return (disk.CenterY, disk.CenterX);
    }

    /// <summary>The mean pattern of up to <paramref name="sample"/> frames spread evenly over the scan.</summary>
    public static double[] SampledMeanPattern(EmDataset ds, int sample = 1024)
    {
        var (h, w) = Detector(ds);
        var mean = new double[(long)h * w];
        long count = Math.Min(ds.FrameCount, sample);
        var frame = new byte[ds.FrameBytes];
        for (long k = 0; k < count; k++)
        {
            long f = count == 1 ? 0 : k * (ds.FrameCount - 1) / (count - 1);
            ds.ReadFrame(f, frame);
            ds.DType.AddTo(frame, mean);
        }

        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] /= Math.Max(1, count);
        }

        return mean;
    }
}
