using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Condenser.Processing.Kernels;

/// <summary>
/// Sums over spans of values: exact for integers (64-bit accumulators), double accumulation for floats. Each SIMD
/// path has its scalar reference beside it; tests compare them at every length 0..256.
/// </summary>
public static class SumKernels
{
    /// <summary>Exact sum of uint16 values (SIMD: widened to uint32 lanes in blocks that cannot overflow).</summary>
    public static ulong Sum(ReadOnlySpan<ushort> values)
    {
        ulong total = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<ushort>.Count)
        {
            // A uint32 lane holds 65535 × 65537 before overflowing; blocks of 32768 vectors stay far below.
            var vectors = MemoryMarshal.Cast<ushort, Vector<ushort>>(values);
            int v = 0;
            while (v < vectors.Length)
            {
                int end = Math.Min(vectors.Length, v + 32768);
                var acc = Vector<uint>.Zero;
                for (; v < end; v++)
                {
                    Vector.Widen(vectors[v], out var lo, out var hi);
                    acc += lo + hi;
                }

                total += WidenSum(acc);
            }

            i = vectors.Length * Vector<ushort>.Count;
        }

        for (; i < values.Length; i++)
        {
            total += values[i];
        }

        return total;
    }

    private static ulong WidenSum(Vector<uint> acc)
    {
        Vector.Widen(acc, out var lo, out var hi);
        return Vector.Sum(lo + hi);
    }

    /// <summary>Exact sum of uint8 values.</summary>
    public static ulong Sum(ReadOnlySpan<byte> values)
    {
        ulong total = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<byte>.Count)
        {
            var vectors = MemoryMarshal.Cast<byte, Vector<byte>>(values);
            int v = 0;
            while (v < vectors.Length)
            {
                int end = Math.Min(vectors.Length, v + 128);
                var acc = Vector<ushort>.Zero;
                for (; v < end; v++)
                {
                    Vector.Widen(vectors[v], out var lo, out var hi);
                    acc += lo + hi;
                }

                Vector.Widen(acc, out var a, out var b);
                total += WidenSum(a + b);
            }

            i = vectors.Length * Vector<byte>.Count;
        }

        for (; i < values.Length; i++)
        {
            total += values[i];
        }

        return total;
    }

    /// <summary>Exact sum of uint32 values.</summary>
    public static ulong Sum(ReadOnlySpan<uint> values)
    {
        ulong total = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<uint>.Count)
        {
            var acc = Vector<ulong>.Zero;
            var vectors = MemoryMarshal.Cast<uint, Vector<uint>>(values);
            foreach (var v in vectors)
            {
                Vector.Widen(v, out var lo, out var hi);
                acc += lo + hi;
            }

            total = Vector.Sum(acc);
            i = vectors.Length * Vector<uint>.Count;
        }

        for (; i < values.Length; i++)
        {
            total += values[i];
        }

        return total;
    }

    /// <summary>Scalar reference of the exact integer sums (uint8, uint16, uint32).</summary>
    public static ulong SumScalar<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IUnsignedNumber<T>, IBinaryInteger<T>
    {
        ulong total = 0;
        foreach (var v in values)
        {
            total += ulong.CreateTruncating(v);
        }

        return total;
    }

    /// <summary>Sum of float32 values (TensorPrimitives).</summary>
    public static double Sum(ReadOnlySpan<float> values) => TensorPrimitives.Sum(values);

    /// <summary>Scalar reference of <see cref="Sum(ReadOnlySpan{float})"/>, accumulated in double.</summary>
    public static double SumScalar(ReadOnlySpan<float> values)
    {
        double total = 0;
        foreach (var v in values)
        {
            total += v;
        }

        return total;
    }
}
