using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Condenser.Processing.Kernels;

/// <summary>
/// First moments of a uint16 frame (Σv, Σy·v, Σx·v) in one read: each row is added into per-column sums (uint32
/// lanes) and summed once for Σy·v; Σx·v comes from the column sums at the end.
/// </summary>
public static class MomentKernels
{
    /// <summary>Exact Σv, Σ y·v, Σ x·v of a row-major frame <paramref name="width"/> wide (at most 65 536 rows).</summary>
    public static (ulong Total, ulong SumY, ulong SumX) Moments(ReadOnlySpan<ushort> frame, int width)
    {
        if (width <= 0 || frame.Length % width != 0 || frame.Length / width > 65536)
        {
            throw new ArgumentException($"a frame of {frame.Length} values is not whole rows of {width} (at most 65 536 rows)");
        }

        int height = frame.Length / width;
        if (Avx2.IsSupported && width % 16 == 0 && RowsPerFlush(width, height) > 0)
        {
            return MomentsAvx2(frame, width, height);
        }

        return MomentsPortable(frame, width);
    }

    /// <summary>The path without AVX2: column sums in uint32 lanes with the portable vector API.</summary>
    public static (ulong Total, ulong SumY, ulong SumX) MomentsPortable(ReadOnlySpan<ushort> frame, int width)
    {
        int height = frame.Length / width;
        int lanes = Vector<uint>.Count;
        int vectorWidth = Vector.IsHardwareAccelerated ? width / (2 * lanes) * (2 * lanes) : 0;
        Span<uint> columns = width <= 1024 ? stackalloc uint[width] : new uint[width];
        columns.Clear();
        var colVectors = MemoryMarshal.Cast<uint, Vector<uint>>(columns[..vectorWidth]);
        ulong total = 0, sumY = 0;
        for (int y = 0; y < height; y++)
        {
            var row = frame.Slice(y * width, width);
            var rowVectors = MemoryMarshal.Cast<ushort, Vector<ushort>>(row[..vectorWidth]);
            var acc = Vector<uint>.Zero;
            for (int v = 0; v < rowVectors.Length; v++)
            {
                Vector.Widen(rowVectors[v], out var lo, out var hi);
                colVectors[2 * v] += lo;
                colVectors[(2 * v) + 1] += hi;
                acc += lo + hi;
            }

            ulong rowSum = Vector.Sum(acc);
            for (int x = vectorWidth; x < width; x++)
            {
                columns[x] += row[x];
                rowSum += row[x];
            }

            total += rowSum;
            sumY += (ulong)y * rowSum;
        }

        ulong sumX = 0;
        for (int x = 1; x < width; x++)
        {
            sumX += (ulong)x * columns[x];
        }

        return (total, sumY, sumX);
    }

    /// <summary>
    /// Rows whose int32 partial sums fit before they must be moved to int64 lanes: per row a lane gains at most
    /// blocks × 65 536 × (width − 1) in Σx·v and blocks × 65 536 × (height − 1) in Σy·v (0 when one row overflows).
    /// </summary>
    private static int RowsPerFlush(int width, int height)
    {
        long perRow = (width / 16) * 65536L * Math.Max(1, Math.Max(width, height) - 1);
        return (int)Math.Min(height, int.MaxValue / perRow);
    }

    /// <summary>
    /// AVX2: v − 32768 as int16, multiplied and pairwise added with 1 and with the column index (vpmaddwd); row sums
    /// times the row index by vpmulld; int32 lanes moved to int64 every <see cref="RowsPerFlush"/> rows; the bias
    /// removed at the end.
    /// </summary>
    private static (ulong Total, ulong SumY, ulong SumX) MomentsAvx2(ReadOnlySpan<ushort> frame, int width, int height)
    {
        ref short f = ref Unsafe.As<ushort, short>(ref MemoryMarshal.GetReference(frame));
        var bias = Vector256.Create(unchecked((short)0x8000));
        var ones = Vector256.Create((short)1);
        var sixteen = Vector256.Create((short)16);
        var iota = Vector256.Create((short)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        int flushEvery = RowsPerFlush(width, height);
        var total64 = Vector256<long>.Zero;
        var x64 = Vector256<long>.Zero;
        var y64 = Vector256<long>.Zero;
        int blocks = width / 16;
        for (int y0 = 0; y0 < height; y0 += flushEvery)
        {
            var s32 = Vector256<int>.Zero;
            var x32 = Vector256<int>.Zero;
            var y32 = Vector256<int>.Zero;
            int y1 = Math.Min(height, y0 + flushEvery);
            for (int y = y0; y < y1; y++)
            {
                ref short row = ref Unsafe.Add(ref f, y * width);
                var r = Vector256<int>.Zero;
                var q = Vector256<int>.Zero;
                var xw = iota;
                for (int j = 0; j < blocks; j++)
                {
                    var w = Vector256.LoadUnsafe(ref row, (nuint)(j * 16)) ^ bias;
                    r += Avx2.MultiplyAddAdjacent(w, ones);
                    q += Avx2.MultiplyAddAdjacent(w, xw);
                    xw += sixteen;
                }

                s32 += r;
                x32 += q;
                y32 += Avx2.MultiplyLow(r, Vector256.Create(y));
            }

            total64 += Vector256.WidenLower(s32) + Vector256.WidenUpper(s32);
            x64 += Vector256.WidenLower(x32) + Vector256.WidenUpper(x32);
            y64 += Vector256.WidenLower(y32) + Vector256.WidenUpper(y32);
        }

        long columnIndexSum = (long)height * width * (width - 1) / 2;
        long rowIndexSum = (long)width * height * (height - 1) / 2;
        long total = Vector256.Sum(total64) + (32768L * width * height);
        long sumX = Vector256.Sum(x64) + (32768L * columnIndexSum);
        long sumY = Vector256.Sum(y64) + (32768L * rowIndexSum);
        return ((ulong)total, (ulong)sumY, (ulong)sumX);
    }

    /// <summary>Scalar reference of <see cref="Moments"/>.</summary>
    public static (ulong Total, ulong SumY, ulong SumX) MomentsScalar(ReadOnlySpan<ushort> frame, int width)
    {
        ulong total = 0, sy = 0, sx = 0;
        for (int i = 0; i < frame.Length; i++)
        {
            total += frame[i];
            sy += (ulong)(i / width) * frame[i];
            sx += (ulong)(i % width) * frame[i];
        }

        return (total, sy, sx);
    }
}
