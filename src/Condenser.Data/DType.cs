namespace Condenser.Data;

/// <summary>Element type of a dataset, named as numpy names it.</summary>
public enum DType
{
    Bool,
    UInt8,
    Int8,
    UInt16,
    Int16,
    UInt32,
    Int32,
    UInt64,
    Int64,
    Float32,
    Float64,
    Complex64,
    Complex128,
    /// <summary>Three uint8 channels per pixel; presented as a trailing channel axis of size 3.</summary>
    Rgb8,
    /// <summary>Four uint8 channels per pixel; presented as a trailing channel axis of size 4.</summary>
    Rgba8,
}

/// <summary>Sizes, names and conversions of <see cref="DType"/>.</summary>
public static class DTypeInfo
{
    /// <summary>Bytes of one element.</summary>
    /// <remarks>For <see cref="DType.Rgb8"/> and <see cref="DType.Rgba8"/> one element is one channel value (1 byte): the channels are an axis of the shape.</remarks>
    public static int Size(this DType type) => type switch
    {
        DType.Bool or DType.UInt8 or DType.Int8 or DType.Rgb8 or DType.Rgba8 => 1,
        DType.UInt16 or DType.Int16 => 2,
        DType.UInt32 or DType.Int32 or DType.Float32 => 4,
        DType.UInt64 or DType.Int64 or DType.Float64 or DType.Complex64 => 8,
        DType.Complex128 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The numpy-style name (uint16, complex64, rgb8, ...).</summary>
    public static string Name(this DType type) => type switch
    {
        DType.Bool => "bool",
        DType.UInt8 => "uint8",
        DType.Int8 => "int8",
        DType.UInt16 => "uint16",
        DType.Int16 => "int16",
        DType.UInt32 => "uint32",
        DType.Int32 => "int32",
        DType.UInt64 => "uint64",
        DType.Int64 => "int64",
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Complex64 => "complex64",
        DType.Complex128 => "complex128",
        DType.Rgb8 => "rgb8",
        DType.Rgba8 => "rgba8",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Parses a numpy-style name; also accepts common aliases (u2, f4, float, ...).</summary>
    public static DType Parse(string name) => TryParse(name, out var t) ? t
        : throw new ArgumentException($"unknown dtype '{name}': expected one of bool, uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64, complex64, complex128, rgb8, rgba8");

    /// <summary>Parses a numpy-style name without throwing.</summary>
    public static bool TryParse(string name, out DType type)
    {
        type = name.Trim().ToLowerInvariant() switch
        {
            "bool" or "?" => DType.Bool,
            "uint8" or "u1" or "byte" => DType.UInt8,
            "int8" or "i1" => DType.Int8,
            "uint16" or "u2" => DType.UInt16,
            "int16" or "i2" => DType.Int16,
            "uint32" or "u4" => DType.UInt32,
            "int32" or "i4" => DType.Int32,
            "uint64" or "u8" => DType.UInt64,
            "int64" or "i8" => DType.Int64,
            "float32" or "f4" or "single" => DType.Float32,
            "float64" or "f8" or "double" or "float" => DType.Float64,
            "complex64" or "c8" => DType.Complex64,
            "complex128" or "c16" or "complex" => DType.Complex128,
            "rgb8" => DType.Rgb8,
            "rgba8" => DType.Rgba8,
            _ => (DType)(-1),
        };
        return (int)type >= 0;
    }

    /// <summary>True for the complex types.</summary>
    public static bool IsComplex(this DType type) => type is DType.Complex64 or DType.Complex128;

    /// <summary>The size of the scalar that byte order applies to (a complex64 swaps as two float32).</summary>
    public static int SwapUnit(this DType type) => type switch
    {
        DType.Complex64 => 4,
        DType.Complex128 => 8,
        _ => type.Size(),
    };

    /// <summary>Reads element <paramref name="index"/> of little-endian bytes as a double (real part for complex).</summary>
    public static double ReadAsDouble(this DType type, ReadOnlySpan<byte> bytes, long index)
    {
        int size = type.Size();
        var s = bytes.Slice(checked((int)(index * size)), size);
        return type switch
        {
            DType.Bool or DType.UInt8 or DType.Rgb8 or DType.Rgba8 => s[0],
            DType.Int8 => (sbyte)s[0],
            DType.UInt16 => System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(s),
            DType.Int16 => System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(s),
            DType.UInt32 => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(s),
            DType.Int32 => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(s),
            DType.UInt64 => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(s),
            DType.Int64 => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(s),
            DType.Float32 or DType.Complex64 => System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(s),
            DType.Float64 or DType.Complex128 => System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(s),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    /// <summary>
    /// Adds every element of little-endian <paramref name="values"/> to <paramref name="sums"/> (one per element);
    /// complex elements add their magnitude.
    /// </summary>
    public static void AddTo(this DType type, ReadOnlySpan<byte> values, Span<double> sums)
    {
        switch (type)
        {
            case DType.Bool or DType.UInt8 or DType.Rgb8 or DType.Rgba8: Add(values, sums); break;
            case DType.Int8: Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(values), sums); break;
            case DType.UInt16: Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(values), sums); break;
            case DType.Int16: Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(values), sums); break;
            case DType.UInt32: Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(values), sums); break;
            case DType.Int32: Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(values), sums); break;
            case DType.UInt64: Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(values), sums); break;
            case DType.Int64: Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(values), sums); break;
            case DType.Float32: Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(values), sums); break;
            case DType.Float64: Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(values), sums); break;
            case DType.Complex64:
                var c = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(values);
                for (int i = 0; i < sums.Length; i++)
                {
                    sums[i] += Math.Sqrt((c[2 * i] * (double)c[2 * i]) + (c[(2 * i) + 1] * (double)c[(2 * i) + 1]));
                }

                break;
            case DType.Complex128:
                var z = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(values);
                for (int i = 0; i < sums.Length; i++)
                {
                    sums[i] += Math.Sqrt((z[2 * i] * z[2 * i]) + (z[(2 * i) + 1] * z[(2 * i) + 1]));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>Writes every element of <paramref name="values"/> into <paramref name="destination"/> as a double (complex: magnitude).</summary>
    public static void ReadInto(this DType type, ReadOnlySpan<byte> values, Span<double> destination)
    {
        destination.Clear();
        type.AddTo(values, destination);
    }

    private static void Add<T>(ReadOnlySpan<T> v, Span<double> sums)
        where T : System.Numerics.INumberBase<T>
    {
        if (v.Length < sums.Length)
        {
            throw new ArgumentException($"{v.Length} values for {sums.Length} sums");
        }

        for (int i = 0; i < sums.Length; i++)
        {
            sums[i] += double.CreateTruncating(v[i]);
        }
    }
}
