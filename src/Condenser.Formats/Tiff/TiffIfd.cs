using System.Buffers.Binary;
using System.Text;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.Tiff;

/// <summary>One image file directory: its tags, read with bounds checks (classic TIFF and BigTIFF).</summary>
internal sealed class TiffIfd
{
    private readonly Dictionary<int, (int Type, long Count, long Offset)> _tags = [];
    private readonly MappedFile _file;
    private readonly bool _big;

    private TiffIfd(MappedFile file, bool big, long offset)
    {
        _file = file;
        _big = big;
        Offset = offset;
    }

    /// <summary>Size of the file in bytes.</summary>
    public long FileLength => _file.Length;

    /// <summary>True for a big-endian ("MM") file.</summary>
    public bool BigEndian => _be;

    /// <summary>Byte offset of the directory.</summary>
    public long Offset { get; }

    /// <summary>All directories of a file, in order; cycles and absurd counts are errors.</summary>
    public static List<TiffIfd> ReadAll(MappedFile file, out bool bigEndian)
    {
        var h = file.Span(0, (int)Math.Min(16, file.Length));
        if (h.Length < 8)
        {
            throw new EmFileException(file.Path, 0, "too short for a TIFF header");
        }

        bigEndian = h[0] == (byte)'M';
        bool be = bigEndian;
        int magic = be ? BinaryPrimitives.ReadUInt16BigEndian(h[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(h[2..]);
        bool bigTiff = magic == 43;
        if (magic != 42 && !bigTiff)
        {
            throw new EmFileException(file.Path, 2, $"TIFF magic {magic} is neither 42 nor 43");
        }

        long next = bigTiff ? (long)Read64(h, 8, be) : Read32(h, 4, be);
        var list = new List<TiffIfd>();
        var seen = new HashSet<long>();
        while (next != 0)
        {
            if (!seen.Add(next) || list.Count > 100_000)
            {
                throw new EmFileException(file.Path, next, "the chain of image directories loops");
            }

            var ifd = new TiffIfd(file, bigTiff, next);
            next = ifd.Parse(be);
            list.Add(ifd);
        }

        return list;
    }

    private bool _be;

    private long Parse(bool be)
    {
        _be = be;
        int countSize = _big ? 8 : 2, entrySize = _big ? 20 : 12, nextSize = _big ? 8 : 4;
        var c = _file.Span(Offset, countSize);
        long n = _big ? (long)Read64(c, 0, be) : Read16(c, 0, be);
        if (n > 100_000)
        {
            throw new EmFileException(_file.Path, Offset, $"a directory claims {n} tags");
        }

        var entries = _file.Span(Offset + countSize, checked((int)(n * entrySize)));
        for (int i = 0; i < n; i++)
        {
            var e = entries.Slice(i * entrySize, entrySize);
            int tag = Read16(e, 0, be);
            int type = Read16(e, 2, be);
            long count = _big ? (long)Read64(e, 4, be) : Read32(e, 4, be);
            int size = TypeSize(type);
            long bytes = size * count;
            long valueAt = Offset + countSize + (i * entrySize) + (_big ? 12 : 8);
            long offset = bytes <= (_big ? 8 : 4) ? valueAt : (_big ? (long)Read64(e, 12, be) : Read32(e, 8, be));
            if (size == 0)
            {
                continue; // an unknown type: the entry is skipped, as TIFF readers do
            }

            if (count < 0 || offset < 0 || bytes > _file.Length || offset > _file.Length - bytes)
            {
                throw new EmFileException(_file.Path, valueAt, $"tag {tag} claims {count} values at byte {offset}, past the end of the file");
            }

            _tags[tag] = (type, count, offset);
        }

        var nx = _file.Span(Offset + countSize + (n * entrySize), nextSize);
        return _big ? (long)Read64(nx, 0, be) : Read32(nx, 0, be);
    }

    private static int TypeSize(int type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 or 13 => 4,
        5 or 10 or 12 or 16 or 17 or 18 => 8,
        _ => 0,
    };

    private static int Read16(ReadOnlySpan<byte> b, int o, bool be) => be ? BinaryPrimitives.ReadUInt16BigEndian(b[o..]) : BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);

    private static long Read32(ReadOnlySpan<byte> b, int o, bool be) => be ? BinaryPrimitives.ReadUInt32BigEndian(b[o..]) : BinaryPrimitives.ReadUInt32LittleEndian(b[o..]);

    private static ulong Read64(ReadOnlySpan<byte> b, int o, bool be) => be ? BinaryPrimitives.ReadUInt64BigEndian(b[o..]) : BinaryPrimitives.ReadUInt64LittleEndian(b[o..]);

    /// <summary>True when the tag is present.</summary>
    public bool Has(int tag) => _tags.ContainsKey(tag);

    /// <summary>The tags present.</summary>
    public IEnumerable<int> Tags => _tags.Keys;

    /// <summary>Raw bytes of a tag's value (in file byte order).</summary>
    public ReadOnlySpan<byte> Bytes(int tag)
    {
        if (!_tags.TryGetValue(tag, out var t))
        {
            return default;
        }

        return _file.Span(t.Offset, checked((int)(t.Count * TypeSize(t.Type))));
    }

    /// <summary>The values of a numeric tag as doubles (rationals divided).</summary>
    public double[] Numbers(int tag)
    {
        if (!_tags.TryGetValue(tag, out var t) || t.Count > 1_000_000)
        {
            return [];
        }

        var b = Bytes(tag);
        var v = new double[t.Count];
        bool be = _be;
        for (int i = 0; i < t.Count; i++)
        {
            v[i] = t.Type switch
            {
                1 or 7 => b[i],
                6 => (sbyte)b[i],
                3 => Read16(b, i * 2, be),
                8 => (short)Read16(b, i * 2, be),
                4 or 13 => Read32(b, i * 4, be),
                9 => (int)Read32(b, i * 4, be),
                5 => Read32(b, i * 8 + 4, be) == 0 ? double.NaN : Read32(b, i * 8, be) / (double)Read32(b, (i * 8) + 4, be),
                10 => (int)Read32(b, (i * 8) + 4, be) == 0 ? double.NaN : (int)Read32(b, i * 8, be) / (double)(int)Read32(b, (i * 8) + 4, be),
                11 => be ? BinaryPrimitives.ReadSingleBigEndian(b[(i * 4)..]) : BinaryPrimitives.ReadSingleLittleEndian(b[(i * 4)..]),
                12 => be ? BinaryPrimitives.ReadDoubleBigEndian(b[(i * 8)..]) : BinaryPrimitives.ReadDoubleLittleEndian(b[(i * 8)..]),
                16 or 17 or 18 => (double)Read64(b, i * 8, be),
                _ => double.NaN,
            };
        }

        return v;
    }

    /// <summary>The first value of a numeric tag, or null.</summary>
    public double? Number(int tag) => Numbers(tag) is { Length: > 0 } v ? v[0] : null;

    /// <summary>An ASCII (or byte) tag as text, NUL-trimmed; Latin-1 unless it decodes as UTF-8.</summary>
    public string? Text(int tag)
    {
        if (!_tags.ContainsKey(tag))
        {
            return null;
        }

        var b = Bytes(tag);
        int end = b.IndexOf((byte)0);
        var s = end >= 0 ? b[..end] : b;
        try
        {
            return new UTF8Encoding(false, true).GetString(s);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(s);
        }
    }
}
