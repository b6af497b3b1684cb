using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Condenser.Data.Storage;

/// <summary>Byte-order helpers.</summary>
public static class ByteOrder
{
    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, reversing the bytes of every <paramref name="unit"/>-byte value (vectorised).</summary>
    public static void CopySwapped(ReadOnlySpan<byte> source, Span<byte> destination, int unit)
    {
        switch (unit)
        {
            case 1:
                source.CopyTo(destination);
                return;
            case 2:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(source), MemoryMarshal.Cast<byte, ushort>(destination));
                return;
            case 4:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(source), MemoryMarshal.Cast<byte, uint>(destination));
                return;
            case 8:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(source), MemoryMarshal.Cast<byte, ulong>(destination));
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(unit));
        }
    }

    /// <summary>Reverses the bytes of every <paramref name="unit"/>-byte value in place (unit 1 does nothing).</summary>
    public static void SwapInPlace(Span<byte> bytes, int unit)
    {
        switch (unit)
        {
            case 1:
                return;
            case 2:
                var u16 = MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                return;
            case 4:
                var u32 = MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                return;
            case 8:
                var u64 = MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(unit));
        }
    }
}
