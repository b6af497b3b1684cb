using System.Runtime.InteropServices;
using Condenser.Acquisition.DigitalTwin;
using Condenser.Acquisition.Instrument;
using Condenser.Data;

namespace Condenser.Acquisition.Tests;

/// <summary>Helpers shared by the twin's tests.</summary>
internal static class Twins
{
    public static DigitalTwin.DigitalTwin Ideal(string scene, ulong seed = 1) => new(new TwinOptions { Scene = scene, Seed = seed }.Ideal());

    public static double[] Values(EmDataset ds) => ds.DType switch
    {
        DType.Float32 => MemoryMarshal.Cast<byte, float>(ds.ReadAll()).ToArray().Select(v => (double)v).ToArray(),
        DType.UInt16 => MemoryMarshal.Cast<byte, ushort>(ds.ReadAll()).ToArray().Select(v => (double)v).ToArray(),
        DType.Float64 => MemoryMarshal.Cast<byte, double>(ds.ReadAll()).ToArray(),
        _ => throw new NotSupportedException(ds.DType.ToString()),
    };

    public static double[] Frame(EmDataset ds, long index)
    {
        var b = new byte[ds.FrameBytes];
        ds.ReadFrame(index, b);
        return MemoryMarshal.Cast<byte, ushort>(b).ToArray().Select(v => (double)v).ToArray();
    }

    public static AcquisitionRequest Request(DetectorKind d, double cx, double cy, double fov, int px, double dwellUs = 10, int camera = 128)
        => new() { Detector = d, Scan = new ScanSettings(cx, cy, fov, px, px, dwellUs), CameraPixels = camera };

    /// <summary>|Σ f(x) e^{−2πi k·x}| of an image on its calibrated grid, at a spatial frequency (1/nm).</summary>
    public static double Fourier(double[] image, int n, double pixelNm, double kx, double ky)
    {
        double re = 0, im = 0, mean = image.Average();
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                double phase = -2 * Math.PI * ((kx * c) + (ky * r)) * pixelNm, v = image[(r * n) + c] - mean;
                re += v * Math.Cos(phase);
                im += v * Math.Sin(phase);
            }
        }

        return Math.Sqrt((re * re) + (im * im));
    }
}
