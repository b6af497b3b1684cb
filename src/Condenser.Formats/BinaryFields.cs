using System.Buffers.Binary;
using System.Text;

namespace Condenser.Formats;

/// <summary>Small helpers to read fixed-layout binary headers.</summary>
internal static class BinaryFields
{
    public static int I32(ReadOnlySpan<byte> b, int o, bool big = false)
        => big ? BinaryPrimitives.ReadInt32BigEndian(b[o..]) : BinaryPrimitives.ReadInt32LittleEndian(b[o..]);

    public static uint U32(ReadOnlySpan<byte> b, int o, bool big = false)
        => big ? BinaryPrimitives.ReadUInt32BigEndian(b[o..]) : BinaryPrimitives.ReadUInt32LittleEndian(b[o..]);

    public static short I16(ReadOnlySpan<byte> b, int o, bool big = false)
        => big ? BinaryPrimitives.ReadInt16BigEndian(b[o..]) : BinaryPrimitives.ReadInt16LittleEndian(b[o..]);

    public static ushort U16(ReadOnlySpan<byte> b, int o, bool big = false)
        => big ? BinaryPrimitives.ReadUInt16BigEndian(b[o..]) : BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);

    public static long I64(ReadOnlySpan<byte> b, int o, bool big = false)
        => big ? BinaryPrimitives.ReadInt64BigEndian(b[o..]) : BinaryPrimitives.ReadInt64LittleEndian(b[o..]);

    public static float F32(ReadOnlySpan<byte> b, int o, bool big = false)
        => big ? BinaryPrimitives.ReadSingleBigEndian(b[o..]) : BinaryPrimitives.ReadSingleLittleEndian(b[o..]);

    public static double F64(ReadOnlySpan<byte> b, int o, bool big = false)
        => big ? BinaryPrimitives.ReadDoubleBigEndian(b[o..]) : BinaryPrimitives.ReadDoubleLittleEndian(b[o..]);

    /// <summary>A NUL-terminated (or padded) ASCII/Latin-1 string of at most <paramref name="length"/> bytes.</summary>
    public static string Text(ReadOnlySpan<byte> b, int o, int length)
    {
        var s = b.Slice(o, length);
        int end = s.IndexOf((byte)0);
        if (end >= 0)
        {
            s = s[..end];
        }

        return Encoding.Latin1.GetString(s).Trim();
    }

    /// <summary>A number that is finite and not zero, else null (vendors write 0 for "unknown").</summary>
    public static double? Known(double v) => double.IsFinite(v) && v != 0 ? v : null;

    /// <summary>A positive finite number, else null.</summary>
    public static double? Positive(double v) => double.IsFinite(v) && v > 0 ? v : null;
}
