using System.Buffers.Binary;

namespace Condenser.Formats.Emd;

/// <summary>The size checks of <see cref="Hdf5Preflight"/>: attribute data, fill values, global heap objects.</summary>
internal sealed partial class Hdf5Preflight
{
    /// <summary>Files up to this size (bytes) are scanned whole for global heap collections.</summary>
    private const long ScanWholeFileBytes = 32L << 20;

    /// <summary>A global heap collection larger than this (bytes) is left unchecked instead of read whole.</summary>
    private const long MaxCollectionBytes = 16L << 20;

    private const byte VariableLengthClass = 9;

    private readonly HashSet<long> _collections = [];

    /// <summary>An attribute's data (elements × element size) must lie inside its message.</summary>
    private void CheckAttribute(long at, ReadOnlySpan<byte> b)
    {
        if (b.Length < 8 || b[0] is < 1 or > 3)
        {
            return;
        }

        int version = b[0];
        int flags = version == 1 ? 0 : b[1];
        int nameSize = BinaryPrimitives.ReadUInt16LittleEndian(b[2..]);
        int typeSize = BinaryPrimitives.ReadUInt16LittleEndian(b[4..]);
        int spaceSize = BinaryPrimitives.ReadUInt16LittleEndian(b[6..]);
        int o = version == 3 ? 9 : 8;
        int name = o;
        o += Padded(nameSize, version);
        int type = o;
        o += Padded(typeSize, version);
        int space = o;
        o += Padded(spaceSize, version);
        if (o > b.Length)
        {
            throw Damaged(at, $"an attribute's name, type and space ({o} bytes) overrun its {b.Length}-byte message");
        }

        string label = $"attribute '{Latin1(b.Slice(name, Math.Min(nameSize, b.Length - name)))}'";
        if ((flags & 0x03) != 0 || typeSize < 8 || ElementCount(at, b.Slice(space, spaceSize), label) is not { } count)
        {
            return; // a shared type or space is a reference: its size is not in the message.
        }

        ulong elementSize = BinaryPrimitives.ReadUInt32LittleEndian(b[(type + 4)..]);
        UInt128 bytes = (UInt128)count * elementSize;
        int left = b.Length - o;
        if (bytes > (UInt128)left)
        {
            throw Damaged(at, $"{label} claims {bytes} bytes of data ({count} × {elementSize}) in the {left} bytes its message holds");
        }

        if ((b[type] & 0x0F) == VariableLengthClass && elementSize >= (ulong)(4 + _offsetSize))
        {
            for (ulong i = 0; i < count && i < 4096; i++)
            {
                CheckGlobalHeap(Address(Offset(b, o + (int)(i * elementSize) + 4)));
            }
        }
    }

    /// <summary>Elements in a dataspace message (null when its layout is not one this walk knows).</summary>
    private ulong? ElementCount(long at, ReadOnlySpan<byte> s, string label)
    {
        if (s.Length < 4 || s[0] is < 1 or > 2)
        {
            return null;
        }

        int rank = s[1];
        int dims = s[0] == 1 ? 8 : 4;
        if (s[0] == 2 && s[3] != 1)
        {
            return s[3] == 0 ? 1UL : 0UL; // scalar, null
        }

        if (dims + (rank * _lengthSize) > s.Length)
        {
            throw Damaged(at, $"{label} has {rank} dimensions, more than its {s.Length}-byte dataspace holds");
        }

        UInt128 count = 1;
        for (int i = 0; i < rank; i++)
        {
            count *= Unsigned(s, dims + (i * _lengthSize), _lengthSize);
            if (count > ulong.MaxValue)
            {
                throw Damaged(at, $"{label} has more than 2^64 elements");
            }
        }

        return (ulong)count;
    }

    /// <summary>Fill value message versions 1–3: the value's stated size lies inside the message.</summary>
    private void CheckFillValue(long at, ReadOnlySpan<byte> b)
    {
        if (b.Length < 2)
        {
            return;
        }

        int sizeAt = b[0] switch
        {
            1 => 4,
            2 when b.Length >= 4 && b[3] == 1 => 4,
            3 when (b[1] & 0x20) != 0 => 2,
            _ => -1,
        };
        if (sizeAt >= 0)
        {
            CheckStatedSize(at, b, sizeAt, "fill value");
        }
    }

    /// <summary>The old fill value message: a size, then the value.</summary>
    private void CheckOldFillValue(long at, ReadOnlySpan<byte> b) => CheckStatedSize(at, b, 0, "old-style fill value");

    private void CheckStatedSize(long at, ReadOnlySpan<byte> b, int sizeAt, string what)
    {
        if (sizeAt + 4 > b.Length)
        {
            throw Damaged(at, $"a {what} message of {b.Length} bytes ends before its size field");
        }

        uint size = BinaryPrimitives.ReadUInt32LittleEndian(b[sizeAt..]);
        if (size > (uint)(b.Length - sizeAt - 4))
        {
            throw Damaged(at, $"a {what} of {size} bytes overruns its {b.Length}-byte message");
        }
    }

    /// <summary>Files up to <see cref="ScanWholeFileBytes"/> are scanned whole for collections ("GCOL", version 1,
    /// three zero bytes): damaged dataset strings reach them as well as attributes do.</summary>
    private void CheckEveryGlobalHeap()
    {
        if (_length > ScanWholeFileBytes)
        {
            return;
        }

        // Streamed in windows that overlap by the signature's length less one, so no signature falls between two.
        ReadOnlySpan<byte> signature = [(byte)'G', (byte)'C', (byte)'O', (byte)'L', 1, 0, 0, 0];
        var window = new byte[Math.Min(_length, 1L << 20)];
        for (long start = 0; start < _length;)
        {
            int got = ReadUpTo(start, window);
            if (got < signature.Length)
            {
                break;
            }

            var span = window.AsSpan(0, got);
            for (int from = 0; from <= got - signature.Length;)
            {
                int hit = span[from..].IndexOf(signature);
                if (hit < 0)
                {
                    break;
                }

                CheckGlobalHeap(start + from + hit);
                from += hit + 1;
            }

            start += got - (signature.Length - 1);
            if (got < window.Length)
            {
                break;
            }
        }
    }

    /// <summary>Each object in a global heap collection lies inside the collection, and the collection inside the file.</summary>
    private void CheckGlobalHeap(long at)
    {
        if (at < 0 || !_collections.Add(at) || _steps++ >= MaxSteps)
        {
            return;
        }

        int header = 8 + _lengthSize;
        Span<byte> head = stackalloc byte[16];
        if (!TryRead(at, head[..header]) || !head[..4].SequenceEqual("GCOL"u8) || head[4] != 1)
        {
            return;
        }

        ulong size = Unsigned(head, 8, _lengthSize);
        if (size > (ulong)(_length - at))
        {
            throw Damaged(at, $"a global heap collection of {size} bytes runs past the end of the file ({_length} bytes)");
        }

        if (size > MaxCollectionBytes || size < (ulong)header)
        {
            return;
        }

        var c = new byte[size];
        if (!TryRead(at, c))
        {
            return;
        }

        long o = header;
        while (c.Length - o > header && _steps++ < MaxSteps)
        {
            int index = BinaryPrimitives.ReadUInt16LittleEndian(c.AsSpan((int)o));
            if (index == 0)
            {
                break; // free space to the end
            }

            ulong objectSize = Unsigned(c, (int)o + 8, _lengthSize);
            ulong room = (ulong)(c.Length - o - header);
            if (objectSize > room)
            {
                throw Damaged(at + o, $"global heap object {index} claims {objectSize} bytes, {room} are left in its collection");
            }

            o += header + (long)((objectSize + 7) & ~7UL);
        }
    }

    private static int Padded(int size, int version) => version == 1 ? (size + 7) & ~7 : size;
}
