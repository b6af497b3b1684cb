using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Condenser.Data;

/// <summary>Value statistics and the content hash of a dataset, computed in one streaming pass.</summary>
/// <remarks>NaN and infinite values are data: they are counted (<see cref="NaNCount"/>, <see cref="PositiveInfinityCount"/>,
/// <see cref="NegativeInfinityCount"/>) and the other statistics are over the finite values.</remarks>
/// <param name="Min">Smallest finite value; null for complex data or when no value is finite.</param>
/// <param name="Max">Largest finite value; null for complex data or when no value is finite.</param>
/// <param name="Sum">Sum of the finite values; for complex data the sum of the real parts.</param>
/// <param name="Mean">Sum over the count of finite values.</param>
/// <param name="SumImaginary">For complex data, the sum of the imaginary parts; otherwise null.</param>
/// <param name="Sha256">Hex SHA-256 of the array's C-order little-endian bytes.</param>
public sealed record DatasetSummary(double? Min, double? Max, double Sum, double? Mean, double? SumImaginary, string Sha256)
{
    /// <summary>Values that are NaN (floating-point data only).</summary>
    public long NaNCount { get; init; }

    /// <summary>Values that are +∞.</summary>
    public long PositiveInfinityCount { get; init; }

    /// <summary>Values that are −∞.</summary>
    public long NegativeInfinityCount { get; init; }

    /// <summary>Whether any value is NaN or infinite.</summary>
    public bool HasNonFinite => NaNCount + PositiveInfinityCount + NegativeInfinityCount > 0;

    /// <summary>Partition size used while streaming.</summary>
    public const long PartitionBytes = 64L << 20;

    /// <summary>Streams the dataset once and summarises it.</summary>
    public static DatasetSummary Compute(EmDataset dataset, CancellationToken cancel = default, IProgress<double>? progress = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var acc = new Accumulator();
        var type = dataset.DType;
        dataset.ForEachPartition(PartitionBytes, (_, bytes) =>
        {
            hash.AppendData(bytes);
            acc.Add(type, bytes);
        }, cancel, progress);

        // A dataset with no navigation but an empty signal still hashes the empty string.
        string sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (type.IsComplex())
        {
            return new DatasetSummary(null, null, acc.Sum, null, acc.SumImaginary, sha);
        }

        var summary = acc.Count == 0
            ? new DatasetSummary(null, null, 0, null, null, sha)
            : new DatasetSummary(acc.Min, acc.Max, acc.Sum, acc.Sum / acc.Count, null, sha);
        return summary with { NaNCount = acc.NaN, PositiveInfinityCount = acc.PositiveInfinity, NegativeInfinityCount = acc.NegativeInfinity };
    }

    private sealed class Accumulator
    {
        public double Min = double.PositiveInfinity;
        public double Max = double.NegativeInfinity;
        public double Sum;
        public double SumImaginary;
        public long Count;
        public long NaN;
        public long PositiveInfinity;
        public long NegativeInfinity;

        public void Add(DType type, ReadOnlySpan<byte> b)
        {
            switch (type)
            {
                case DType.Bool or DType.UInt8 or DType.Rgb8 or DType.Rgba8: Integers(b); break;
                case DType.Int8: Integers(MemoryMarshal.Cast<byte, sbyte>(b)); break;
                case DType.UInt16: Integers(MemoryMarshal.Cast<byte, ushort>(b)); break;
                case DType.Int16: Integers(MemoryMarshal.Cast<byte, short>(b)); break;
                case DType.UInt32: Integers(MemoryMarshal.Cast<byte, uint>(b)); break;
                case DType.Int32: Integers(MemoryMarshal.Cast<byte, int>(b)); break;
                case DType.UInt64: Floats(MemoryMarshal.Cast<byte, ulong>(b)); break;
                case DType.Int64: Floats(MemoryMarshal.Cast<byte, long>(b)); break;
                case DType.Float32: Floats(MemoryMarshal.Cast<byte, float>(b)); break;
                case DType.Float64: Floats(MemoryMarshal.Cast<byte, double>(b)); break;
                case DType.Complex64: Complex(MemoryMarshal.Cast<byte, float>(b)); break;
                case DType.Complex128: Complex(MemoryMarshal.Cast<byte, double>(b)); break;
                default: throw new ArgumentOutOfRangeException(nameof(type));
            }
        }

        private void Integers<T>(ReadOnlySpan<T> v)
            where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
        {
            if (v.IsEmpty)
            {
                return;
            }

            // Exact integer sums in blocks, so large frames add without rounding.
            T min = T.MaxValue, max = T.MinValue;
            long sum = 0;
            foreach (var x in v)
            {
                if (x < min) { min = x; }
                if (x > max) { max = x; }
                sum += long.CreateTruncating(x);
            }

            Min = Math.Min(Min, double.CreateTruncating(min));
            Max = Math.Max(Max, double.CreateTruncating(max));
            Sum += sum;
            Count += v.Length;
        }

        private void Floats<T>(ReadOnlySpan<T> v)
            where T : unmanaged, INumberBase<T>
        {
            foreach (var x in v)
            {
                double d = double.CreateTruncating(x);
                if (!double.IsFinite(d))
                {
                    if (double.IsNaN(d))
                    {
                        NaN++;
                    }
                    else if (d > 0)
                    {
                        PositiveInfinity++;
                    }
                    else
                    {
                        NegativeInfinity++;
                    }

                    continue;
                }

                if (d < Min) { Min = d; }
                if (d > Max) { Max = d; }
                Sum += d;
                Count++;
            }
        }

        private void Complex<T>(ReadOnlySpan<T> v)
            where T : unmanaged, INumberBase<T>
        {
            for (int i = 0; i + 1 < v.Length; i += 2)
            {
                Sum += double.CreateTruncating(v[i]);
                SumImaginary += double.CreateTruncating(v[i + 1]);
                Count++;
            }
        }
    }
}
