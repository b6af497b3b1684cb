using System.Buffers.Binary;
using System.Text;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.DigitalMicrograph;

/// <summary>Where an array too large to hold in the tree lies in the file.</summary>
/// <param name="Offset">Byte offset of element 0.</param>
/// <param name="ElementType">DM simple type code of the elements (2 short ... 12 uint64).</param>
/// <param name="Count">Number of elements (for struct arrays: number of structs).</param>
/// <param name="ByteLength">Bytes of the array.</param>
internal sealed record DmArrayRef(long Offset, int ElementType, long Count, long ByteLength);

/// <summary>
/// Parses the tag tree of a DigitalMicrograph DM3 or DM4 file. Every length is checked against the file, nesting is
/// bounded, and large arrays are recorded by position (<see cref="DmArrayRef"/>) rather than read.
/// </summary>
internal sealed class DmTagReader
{
    private const int MaxDepth = 64;
    private const long InlineArrayLimit = 1024;

    private readonly MappedFile _file;
    private readonly bool _dm4;
    private readonly bool _littleData;
    private long _pos;

    private DmTagReader(MappedFile file, bool dm4, bool littleData, long start)
    {
        _file = file;
        _dm4 = dm4;
        _littleData = littleData;
        _pos = start;
    }

    /// <summary>Reads the whole tag tree.</summary>
    public static (MetadataTree Root, bool LittleEndian, int Version) Read(MappedFile file)
    {
        var head = file.Span(0, Math.Min(16, (int)Math.Min(file.Length, 16)));
        if (head.Length < 16)
        {
            throw new EmFileException(file.Path, 0, "too short for a DigitalMicrograph header");
        }

        int version = BinaryPrimitives.ReadInt32BigEndian(head);
        if (version != 3 && version != 4)
        {
            // The extension said DigitalMicrograph, the content does not: name the mismatch, not a nonsense version.
            throw new EmFileException(file.Path, 0, $"not a DigitalMicrograph file: DM3 and DM4 files begin with version 3 or 4, this one with bytes {Convert.ToHexString(head[..4])}");
        }

        bool dm4 = version == 4;
        int order = BinaryPrimitives.ReadInt32BigEndian(head[(dm4 ? 12 : 8)..]);
        var reader = new DmTagReader(file, dm4, order == 1, dm4 ? 16 : 12);
        var root = new MetadataTree();
        reader.ReadGroup(root, 0);
        return (root, order == 1, version);
    }

    private ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || n > int.MaxValue)
        {
            throw Bad($"a length of {n} bytes is out of range");
        }

        var s = _file.Span(_pos, (int)n);
        _pos += n;
        return s;
    }

    private EmFileException Bad(string what) => new(_file.Path, _pos, what);

    private long ReadCount() => _dm4 ? BinaryPrimitives.ReadInt64BigEndian(Take(8)) : BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    private void ReadGroup(MetadataTree into, int depth)
    {
        if (depth > MaxDepth)
        {
            throw Bad($"tag groups nest deeper than {MaxDepth}");
        }

        Take(2); // sorted, open
        long count = ReadCount();
        if (count < 0 || count > (_file.Length - _pos) / 3)
        {
            throw Bad($"a tag group claims {count} tags, more than the file can hold");
        }

        for (long i = 0; i < count; i++)
        {
            long at = _pos;
            byte kind = Take(1)[0];
            int nameLength = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            string name = Encoding.Latin1.GetString(Take(nameLength));
            if (name.Length == 0)
            {
                name = into.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            long end = -1;
            if (_dm4)
            {
                long size = BinaryPrimitives.ReadInt64BigEndian(Take(8));
                if (size < 0 || size > _file.Length - _pos)
                {
                    throw Bad($"tag '{name}' claims {size} bytes, past the end of the file");
                }

                end = _pos + size;
            }

            switch (kind)
            {
                case 20:
                    var child = new MetadataTree();
                    ReadGroup(child, depth + 1);
                    into.Add(name, child);
                    break;
                case 21:
                    into.Add(name, ReadData(name));
                    break;
                case 0:
                    return;
                default:
                    throw new EmFileException(_file.Path, at, $"unknown tag kind {kind} (expected 20 group or 21 data)");
            }

            if (_dm4 && end >= 0 && _pos != end)
            {
                // DM4 gives every tag's size: trust it to stay aligned with the next tag.
                _pos = end;
            }
        }
    }

    private object? ReadData(string name)
    {
        if (!Take(4).SequenceEqual("%%%%"u8))
        {
            throw Bad($"tag '{name}' lacks the '%%%%' data marker");
        }

        long n = ReadCount();
        if (n < 1 || n > 4096)
        {
            throw Bad($"tag '{name}' has {n} type descriptors");
        }

        var info = new long[n];
        for (int i = 0; i < n; i++)
        {
            info[i] = ReadCount();
        }

        return info[0] switch
        {
            15 => ReadStruct(info, 1, name),
            18 => ReadString(info, name),
            20 => ReadArray(info, name),
            _ when n == 1 => ReadSimple((int)info[0], name),
            _ => throw Bad($"tag '{name}' has an unknown type {info[0]}"),
        };
    }

    private static int SimpleSize(long type) => type switch
    {
        2 or 4 => 2,
        3 or 5 or 6 => 4,
        7 or 11 or 12 => 8,
        8 or 9 or 10 => 1,
        _ => 0,
    };

    private object ReadSimple(int type, string name)
    {
        int size = SimpleSize(type);
        if (size == 0)
        {
            throw Bad($"tag '{name}' has an unknown simple type {type}");
        }

        return Value(type, Take(size));
    }

    private object Value(int type, ReadOnlySpan<byte> b)
    {
        bool le = _littleData;
        return type switch
        {
            2 => (long)(le ? BinaryPrimitives.ReadInt16LittleEndian(b) : BinaryPrimitives.ReadInt16BigEndian(b)),
            3 => (long)(le ? BinaryPrimitives.ReadInt32LittleEndian(b) : BinaryPrimitives.ReadInt32BigEndian(b)),
            4 => (long)(le ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b)),
            5 => (long)(le ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b)),
            6 => (double)(le ? BinaryPrimitives.ReadSingleLittleEndian(b) : BinaryPrimitives.ReadSingleBigEndian(b)),
            7 => le ? BinaryPrimitives.ReadDoubleLittleEndian(b) : BinaryPrimitives.ReadDoubleBigEndian(b),
            8 => b[0] != 0,
            9 => (long)(sbyte)b[0],
            10 => (long)b[0],
            11 => le ? BinaryPrimitives.ReadInt64LittleEndian(b) : BinaryPrimitives.ReadInt64BigEndian(b),
            12 => (le ? BinaryPrimitives.ReadUInt64LittleEndian(b) : BinaryPrimitives.ReadUInt64BigEndian(b)) is var u && u <= long.MaxValue ? (long)u : (double)u,
            _ => throw Bad($"unknown simple type {type}"),
        };
    }

    private string ReadString(long[] info, string name)
    {
        if (info.Length < 2 || info[1] < 0 || info[1] > (_file.Length - _pos) / 2)
        {
            throw Bad($"string tag '{name}' has a bad length");
        }

        var b = Take(info[1] * 2);
        return _littleData ? Encoding.Unicode.GetString(b) : Encoding.BigEndianUnicode.GetString(b);
    }

    private object ReadStruct(long[] info, int at, string name)
    {
        // info: 15, name length, field count, then (name length, type) per field.
        if (info.Length < at + 2)
        {
            throw Bad($"struct tag '{name}' is truncated");
        }

        long fields = info[at + 1];
        if (fields < 0 || fields > 256 || info.Length < at + 2 + (2 * fields))
        {
            throw Bad($"struct tag '{name}' has {fields} fields");
        }

        var values = new object[fields];
        for (int f = 0; f < fields; f++)
        {
            values[f] = ReadSimple((int)info[at + 3 + (2 * f)], name);
        }

        return values;
    }

    private object ReadArray(long[] info, string name)
    {
        if (info.Length < 3)
        {
            throw Bad($"array tag '{name}' is truncated");
        }

        long elementType = info[1];
        long count = info[^1];
        int elementSize;
        int[]? structTypes = null;
        if (elementType == 15)
        {
            long fields = info.Length >= 4 ? info[3] : -1;
            if (fields < 0 || fields > 256 || info.Length < 4 + (2 * fields) + 1)
            {
                throw Bad($"array tag '{name}' has a bad struct description");
            }

            structTypes = new int[fields];
            elementSize = 0;
            for (int f = 0; f < fields; f++)
            {
                structTypes[f] = (int)info[5 + (2 * f)];
                int s = SimpleSize(structTypes[f]);
                if (s == 0)
                {
                    throw Bad($"array tag '{name}' has a struct field of unknown type {structTypes[f]}");
                }

                elementSize += s;
            }
        }
        else
        {
            elementSize = SimpleSize(elementType);
            if (elementSize == 0)
            {
                throw Bad($"array tag '{name}' has elements of unknown type {elementType}");
            }
        }

        if (count < 0 || count > (_file.Length - _pos) / Math.Max(1, elementSize))
        {
            throw Bad($"array tag '{name}' claims {count} elements, more than the file holds");
        }

        long bytes = count * elementSize;
        long offset = _pos;
        if (count > InlineArrayLimit || name == "Data")
        {
            _pos += bytes;
            return new DmArrayRef(offset, structTypes is null ? (int)elementType : 15, count, bytes);
        }

        var data = Take(bytes);
        if (structTypes is not null)
        {
            var list = new object[count];
            int o = 0;
            for (int i = 0; i < count; i++)
            {
                var one = new object[structTypes.Length];
                for (int f = 0; f < structTypes.Length; f++)
                {
                    int s = SimpleSize(structTypes[f]);
                    one[f] = Value(structTypes[f], data.Slice(o, s));
                    o += s;
                }

                list[i] = one;
            }

            return list;
        }

        if (elementType == 4 && name != "Data")
        {
            // Text stored as an array of UTF-16 code units.
            return _littleData ? Encoding.Unicode.GetString(data) : Encoding.BigEndianUnicode.GetString(data);
        }

        if (name == "Data")
        {
            return new DmArrayRef(offset, (int)elementType, count, bytes);
        }

        var values = new object[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = Value((int)elementType, data.Slice(i * elementSize, elementSize));
        }

        return values;
    }
}
