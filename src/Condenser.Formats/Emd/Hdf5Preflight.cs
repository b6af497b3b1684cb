using System.Buffers.Binary;
using System.Text;
using Condenser.Data;
using Microsoft.Win32.SafeHandles;

namespace Condenser.Formats.Emd;

/// <summary>
/// Checks, before PureHDF sees a file, the sizes PureHDF trusts and allocates for: PureHDF allocates an attribute's
/// data (dimensions × element size) and each global heap object (its stated size) before reading them, so one
/// damaged field in a small file cost up to 2 GiB. This walks every object header reachable from the root group
/// (old-style groups through their B-tree and symbol nodes, new-style groups through compact link messages, header
/// continuations), and refuses the file, naming the byte, when a message overruns its header, an attribute's data
/// overruns its message, a fill value overruns its message, or a global heap object overruns its collection.
/// Structures it does not follow (dense link and attribute storage in fractal heaps) are left to PureHDF, and a
/// structure it does not recognise ends the walk there rather than refusing the file.
/// </summary>
/// <remarks>Layouts from the HDF5 File Format Specification version 3.0: superblock versions 0–3, object header
/// versions 1–2, attribute message versions 1–3, dataspace versions 1–2, fill value versions 1–3, B-tree version 1
/// group nodes, symbol table nodes, global heap collections.</remarks>
internal sealed partial class Hdf5Preflight
{
    /// <summary>The most structures (object headers, messages, tree and symbol nodes) one file is walked through.</summary>
    private const int MaxSteps = 1_000_000;

    /// <summary>A header chunk larger than this (bytes) is left unchecked instead of read whole.</summary>
    private const int MaxChunkBytes = 4 << 20;

    private const ulong Undefined = ulong.MaxValue;

    private readonly string _path;
    private readonly SafeFileHandle _file;
    private readonly long _length;
    private readonly HashSet<long> _seen = [];
    private readonly Queue<long> _headers = new();
    private long _base;
    private int _offsetSize = 8;
    private int _lengthSize = 8;
    private int _steps;

    /// <summary>Files up to this size (bytes) are read once into memory and walked there.</summary>
    private const long ImageBytes = 1L << 20;

    /// <summary>The whole file, when it is small enough to read at once (one read instead of one per structure).</summary>
    private byte[]? _image;

    private Hdf5Preflight(string path, SafeFileHandle file)
    {
        _path = path;
        _file = file;
        _length = RandomAccess.GetLength(file);
        if (_length <= ImageBytes)
        {
            var image = new byte[_length];
            _image = ReadUpTo(0, image) == _length ? image : null;
        }
    }

    /// <summary>Throws <see cref="EmFileException"/> when the file's metadata states sizes the file cannot hold.</summary>
    public static void Check(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var walk = new Hdf5Preflight(path, handle);
        try
        {
            walk.Run();
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException or OverflowException)
        {
            // A structure this walk misread: it refuses only on evidence, so the file goes on to PureHDF's own checks.
        }
    }

    private void Run()
    {
        if (!ReadSuperblock(out long root, out long extension))
        {
            return;
        }

        Enqueue(root);
        Enqueue(extension);
        while (_headers.Count > 0 && _steps < MaxSteps)
        {
            WalkObjectHeader(_headers.Dequeue());
        }

        CheckEveryGlobalHeap();
    }

    /// <summary>Finds the superblock (at 0, 512, 1024, 2048 … bytes) and the root group's object header.</summary>
    private bool ReadSuperblock(out long root, out long extension)
    {
        root = extension = -1;
        Span<byte> b = stackalloc byte[96];
        for (long at = 0; at < _length; at = at == 0 ? 512 : at * 2)
        {
            if (!TryRead(at, b) || !b[..8].SequenceEqual(Hdf5.Signature))
            {
                continue;
            }

            int version = b[8];
            int fields;
            if (version <= 1)
            {
                _offsetSize = b[13];
                _lengthSize = b[14];
                fields = version == 0 ? 24 : 28;
            }
            else if (version <= 3)
            {
                _offsetSize = b[9];
                _lengthSize = b[10];
                fields = 12;
            }
            else
            {
                return false;
            }

            if (_offsetSize is not (2 or 4 or 8) || _lengthSize is not (2 or 4 or 8))
            {
                return false;
            }

            ulong baseAddress = Offset(b, fields);
            _base = baseAddress == Undefined ? at : (long)Math.Min(baseAddress, (ulong)_length);
            if (version <= 1)
            {
                // base, free space, end of file, driver info; then the root symbol table entry (name offset, header).
                root = Address(Offset(b, fields + (5 * _offsetSize)));
            }
            else
            {
                // base, superblock extension, end of file, root group object header.
                extension = Address(Offset(b, fields + _offsetSize));
                root = Address(Offset(b, fields + (3 * _offsetSize)));
            }

            return true;
        }

        return false;
    }

    private void Enqueue(long header)
    {
        if (header >= 0 && _seen.Add(header))
        {
            _headers.Enqueue(header);
        }
    }

    /// <summary>Walks the messages of one object header, its first chunk and every continuation.</summary>
    private void WalkObjectHeader(long at)
    {
        Span<byte> prefix = stackalloc byte[40];
        int got = ReadUpTo(at, prefix);
        if (got < 16)
        {
            return;
        }

        var chunks = new Queue<(long Start, long Size)>();
        int version;
        bool creationOrder = false;
        if (prefix[..4].SequenceEqual("OHDR"u8))
        {
            version = 2;
            int flags = prefix[5];
            int o = 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
            int width = 1 << (flags & 3);
            if (o + width > got)
            {
                return;
            }

            creationOrder = (flags & 0x04) != 0;
            chunks.Enqueue((at + o + width, (long)Unsigned(prefix, o, width)));
        }
        else if (prefix[0] == 1)
        {
            version = 1;
            chunks.Enqueue((at + 16, BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..])));
        }
        else
        {
            return;
        }

        while (chunks.Count > 0 && _steps < MaxSteps)
        {
            var (start, size) = chunks.Dequeue();
            if (start + size > _length || size < 0)
            {
                throw Damaged(at, $"an object header chunk of {size} bytes at byte {start} runs past the end of the file ({_length} bytes)");
            }

            if (size > MaxChunkBytes)
            {
                continue;
            }

            var chunk = new byte[size];
            if (!TryRead(start, chunk))
            {
                return;
            }

            WalkMessages(start, chunk, version, creationOrder, chunks);
        }
    }

    private void WalkMessages(long start, byte[] chunk, int version, bool creationOrder, Queue<(long, long)> chunks)
    {
        int headerBytes = version == 1 ? 8 : 4 + (creationOrder ? 2 : 0);
        int o = 0;
        while (o + headerBytes <= chunk.Length && _steps++ < MaxSteps)
        {
            int type = version == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(o)) : chunk[o];
            int size = BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(o + (version == 1 ? 2 : 1)));
            int flags = chunk[o + (version == 1 ? 4 : 3)];
            long at = start + o;
            o += headerBytes;
            if (o + size > chunk.Length)
            {
                throw Damaged(at, $"an object header message of {size} bytes overruns its header chunk ({chunk.Length - o} bytes left)");
            }

            var body = new ReadOnlySpan<byte>(chunk, o, size);
            o += size;
            if ((flags & 0x02) != 0)
            {
                continue; // a shared message: the body is a reference, not the message.
            }

            switch (type)
            {
                case 0x04:
                    CheckOldFillValue(at, body);
                    break;
                case 0x05:
                    CheckFillValue(at, body);
                    break;
                case 0x06:
                    FollowLink(body);
                    break;
                case 0x0C:
                    CheckAttribute(at, body);
                    break;
                case 0x10 when body.Length >= _offsetSize + _lengthSize:
                    long next = Address(Offset(body, 0));
                    long length = (long)Math.Min(Unsigned(body, _offsetSize, _lengthSize), (ulong)long.MaxValue);
                    if (next >= 0 && _seen.Add(next))
                    {
                        chunks.Enqueue(version == 1 ? (next, length) : (next + 4, length - 8));
                    }

                    break;
                case 0x11 when body.Length >= _offsetSize:
                    WalkGroupTree(Address(Offset(body, 0)), 0);
                    break;
            }
        }

    }

    /// <summary>A compact link message: a hard link leads to another object header.</summary>
    private void FollowLink(ReadOnlySpan<byte> b)
    {
        if (b.Length < 2 || b[0] != 1)
        {
            return;
        }

        int flags = b[1];
        int o = 2;
        int linkType = 0;
        if ((flags & 0x08) != 0)
        {
            if (o >= b.Length)
            {
                return;
            }

            linkType = b[o++];
        }

        o += ((flags & 0x04) != 0 ? 8 : 0) + ((flags & 0x10) != 0 ? 1 : 0);
        int width = 1 << (flags & 3);
        if (linkType != 0 || o + width > b.Length)
        {
            return;
        }

        ulong nameLength = Unsigned(b, o, width);
        o += width;
        if (nameLength > (ulong)(b.Length - o - _offsetSize))
        {
            return;
        }

        Enqueue(Address(Offset(b, o + (int)nameLength)));
    }

    /// <summary>An old-style group's version 1 B-tree: inner nodes lead to nodes, leaves to symbol table nodes.</summary>
    private void WalkGroupTree(long at, int depth)
    {
        if (at < 0 || depth > 64 || !_seen.Add(at) || _steps++ >= MaxSteps)
        {
            return;
        }

        Span<byte> head = stackalloc byte[8];
        if (!TryRead(at, head) || !head[..4].SequenceEqual("TREE"u8) || head[4] != 0)
        {
            return;
        }

        int level = head[5];
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(head[6..]);
        int keysAt = 8 + (2 * _offsetSize);
        var node = new byte[keysAt + (entries * (_lengthSize + _offsetSize)) + _lengthSize];
        if (!TryRead(at, node))
        {
            return;
        }

        for (int i = 0; i < entries; i++)
        {
            long child = Address(Offset(node, keysAt + _lengthSize + (i * (_lengthSize + _offsetSize))));
            if (level > 0)
            {
                WalkGroupTree(child, depth + 1);
            }
            else
            {
                WalkSymbolNode(child);
            }
        }
    }

    private void WalkSymbolNode(long at)
    {
        if (at < 0 || !_seen.Add(at) || _steps++ >= MaxSteps)
        {
            return;
        }

        Span<byte> head = stackalloc byte[8];
        if (!TryRead(at, head) || !head[..4].SequenceEqual("SNOD"u8))
        {
            return;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(head[6..]);
        int entry = (2 * _offsetSize) + 24;
        var entries = new byte[count * entry];
        if (!TryRead(at + 8, entries))
        {
            return;
        }

        for (int i = 0; i < count; i++)
        {
            Enqueue(Address(Offset(entries, (i * entry) + _offsetSize)));
        }
    }

    private EmFileException Damaged(long at, string what) => new(_path, at, $"damaged HDF5 metadata: {what}");

    private long Address(ulong address)
        => address == Undefined || address >= (ulong)(_length - _base) ? -1 : _base + (long)address;

    private ulong Offset(ReadOnlySpan<byte> b, int at) => Unsigned(b, at, _offsetSize, undefinedWhenAllOnes: true);

    private static ulong Unsigned(ReadOnlySpan<byte> b, int at, int width, bool undefinedWhenAllOnes = false)
    {
        if (at < 0 || at + width > b.Length)
        {
            return Undefined;
        }

        ulong v = 0;
        bool allOnes = true;
        for (int i = width - 1; i >= 0; i--)
        {
            v = (v << 8) | b[at + i];
            allOnes &= b[at + i] == 0xFF;
        }

        return undefinedWhenAllOnes && allOnes ? Undefined : v;
    }

    private bool TryRead(long at, Span<byte> into) => at >= 0 && at + into.Length <= _length && ReadUpTo(at, into) == into.Length;

    private int ReadUpTo(long at, Span<byte> into)
    {
        if (_image is not null)
        {
            int n = (int)Math.Clamp(_length - at, 0, into.Length);
            _image.AsSpan((int)at, n).CopyTo(into);
            return n;
        }

        int total = 0;
        while (total < into.Length && at + total < _length)
        {
            int n = RandomAccess.Read(_file, into[total..], at + total);
            if (n <= 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static string Latin1(ReadOnlySpan<byte> b)
    {
        int end = b.IndexOf((byte)0);
        return Encoding.Latin1.GetString(end >= 0 ? b[..end] : b);
    }
}
