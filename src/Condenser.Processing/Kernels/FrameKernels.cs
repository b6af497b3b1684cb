using System.Runtime.InteropServices;
using Condenser.Data;

namespace Condenser.Processing.Kernels;

/// <summary>Per-frame reductions over the raw bytes of one frame, dispatched on the element type.</summary>
public static class FrameKernels
{
    /// <summary>Sum of the frame's values inside the spans (exact for integer types).</summary>
    public static double SpanSum(DType type, ReadOnlySpan<byte> frame, ReadOnlySpan<PixelSpan> spans)
    {
        switch (type)
        {
            case DType.UInt16:
                return SumOver(MemoryMarshal.Cast<byte, ushort>(frame), spans, SumKernels.Sum);
            case DType.UInt8 or DType.Bool:
                return SumOver(frame, spans, SumKernels.Sum);
            case DType.UInt32:
                return SumOver(MemoryMarshal.Cast<byte, uint>(frame), spans, SumKernels.Sum);
            case DType.Float32:
            {
                var v = MemoryMarshal.Cast<byte, float>(frame);
                double s = 0;
                foreach (var sp in spans)
                {
                    s += SumKernels.Sum(v.Slice(sp.Start, sp.Length));
                }

                return s;
            }

            default:
            {
                double s = 0;
                foreach (var sp in spans)
                {
                    for (int i = sp.Start; i < sp.Start + sp.Length; i++)
                    {
                        s += type.ReadAsDouble(frame, i);
                    }
                }

                return s;
            }
        }
    }

    /// <summary>Exact sum over the spans with one of the integer kernels.</summary>
    private static ulong SumOver<T>(ReadOnlySpan<T> values, ReadOnlySpan<PixelSpan> spans, Func<ReadOnlySpan<T>, ulong> sum)
    {
        ulong s = 0;
        foreach (var sp in spans)
        {
            s += sum(values.Slice(sp.Start, sp.Length));
        }

        return s;
    }

    /// <summary>
    /// Asks the processor to bring <paramref name="bytes"/> into the caches (one prefetch per 64-byte line), so that
    /// kernels that visit a frame out of order (several detectors, each sweeping its own rows) find it there.
    /// </summary>
    public static unsafe void Prefetch(ReadOnlySpan<byte> bytes)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            return;
        }

        fixed (byte* p = bytes)
        {
            for (int i = 0; i < bytes.Length; i += 64)
            {
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(p + i);
            }
        }
    }

    /// <summary>Sum of all of the frame's values (exact for integer types).</summary>
    public static double Sum(DType type, ReadOnlySpan<byte> frame) => SpanSum(type, frame, [new PixelSpan(0, frame.Length / type.Size())]);

    /// <summary>
    /// Total intensity and first moments of a frame: Σv, Σ y·v, Σ x·v (pixel (y, x) at its centre). Exact in 64-bit
    /// integers for uint16 frames of up to 65 536 rows.
    /// </summary>
    public static (double Total, double SumY, double SumX) Moments(DType type, ReadOnlySpan<byte> frame, int width)
    {
        if (type == DType.UInt16 && frame.Length / 2 / width <= 65536)
        {
            var (t, y, x) = MomentKernels.Moments(MemoryMarshal.Cast<byte, ushort>(frame), width);
            return (t, y, x);
        }

        double total = 0, my = 0, mx = 0;
        int n = frame.Length / type.Size();
        for (int i = 0; i < n; i++)
        {
            double val = type.ReadAsDouble(frame, i);
            total += val;
            my += (i / width) * val;
            mx += (i % width) * val;
        }

        return (total, my, mx);
    }
}
