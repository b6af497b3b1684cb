using System.Buffers.Binary;
using System.Text;
using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>
/// Size fields PureHDF trusts, damaged one at a time in real files: the file is refused before anything the size
/// states is allocated, with the byte and the structure named (PureHDF alone allocated 2 GiB for the first and
/// 2 GiB for the second before failing).
/// </summary>
public sealed class Hdf5PreflightTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-preflight-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Appended zeros (HDF5 ignores bytes past its end) take files past 1 MiB (walked read by read, heap
    /// collections found by a streamed scan) and past 32 MiB (no scan: collections reached from attributes).</summary>
    public static TheoryData<int> Padding() => new(0, 2 << 20, 40 << 20);

    [Theory]
    [MemberData(nameof(Padding))]
    public void AnAttributeWhoseElementSizeOverrunsItsMessageIsRefused(int padding)
    {
        var bytes = File.ReadAllBytes(TestData.File("emd/Si100_2x1x1_3D.emd"));
        // A version 1 attribute message: the NUL-terminated name padded to 8 bytes, then the datatype, whose
        // bytes 4–7 are the element size.
        int name = IndexOf(bytes, "version_minor\0"u8);
        int type = name + 16;
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(type + 4)));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(type + 4), 0x7FFFFFFF);

        var e = OpenDamaged("attribute.emd", bytes, padding, out long allocated);
        Assert.Contains("attribute 'version_minor' claims 2147483647 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("attribute.emd", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64 << 20, $"{allocated >> 20} MiB allocated");
    }

    [Theory]
    [MemberData(nameof(Padding))]
    public void AGlobalHeapObjectLargerThanItsCollectionIsRefused(int padding)
    {
        var bytes = File.ReadAllBytes(TestData.File("emd/py4DSTEM_size2x3x4x5.h5"));
        // Collection: "GCOL", version 1, 3 reserved, size (8); its first object: index (2), references (2),
        // reserved (4), size (8).
        int collection = IndexOf(bytes, [(byte)'G', (byte)'C', (byte)'O', (byte)'L', 1, 0, 0, 0]);
        int firstObject = collection + 16;
        Assert.NotEqual(0, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(firstObject)));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(firstObject + 8), 0x7FFFFFF0);

        var e = OpenDamaged("heap.h5", bytes, padding, out long allocated);
        Assert.Contains($"at byte {firstObject}", e.Message, StringComparison.Ordinal);
        Assert.Contains("claims 2147483632 bytes", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64 << 20, $"{allocated >> 20} MiB allocated");
    }

    [Theory]
    [MemberData(nameof(Padding))]
    public void AnObjectHeaderChunkPastTheEndOfTheFileIsRefused(int padding)
    {
        var bytes = File.ReadAllBytes(TestData.File("emd/Si100_2x1x1_3D.emd"));
        // The message just before the attribute: its header chunk size is the v1 object header's bytes 8–11.
        int name = IndexOf(bytes, "version_minor\0"u8);
        int header = LastIndexOfObjectHeaderBefore(bytes, name);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(header + 8), 0x7FFFFF00 + (uint)padding);

        var e = OpenDamaged("chunk.emd", bytes, padding, out _);
        Assert.Contains("runs past the end of the file", e.Message, StringComparison.Ordinal);
    }

    private EmFileException OpenDamaged(string name, byte[] bytes, int padding, out long allocated)
    {
        var path = Path.Combine(_dir, name);
        using (var file = File.Create(path))
        {
            file.Write(bytes);
            file.SetLength(bytes.Length + padding);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<EmFileException>(() => FormatRegistry.Open(path).Dispose());
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("damaged HDF5 metadata", e.Message, StringComparison.Ordinal);
        return e;
    }

    private static int IndexOf(byte[] bytes, ReadOnlySpan<byte> what)
    {
        int at = bytes.AsSpan().IndexOf(what);
        Assert.True(at >= 0, $"'{Encoding.Latin1.GetString(what)}' not in the fixture");
        return at;
    }

    /// <summary>A version 1 object header starts 8-aligned with version 1, a reserved 0 and a reference count of 1.</summary>
    private static int LastIndexOfObjectHeaderBefore(byte[] bytes, int before)
    {
        for (int at = (before - 16) & ~7; at >= 0; at -= 8)
        {
            if (bytes[at] == 1 && bytes[at + 1] == 0 && BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 4)) == 1
                && BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 2)) is > 0 and < 64)
            {
                return at;
            }
        }

        Assert.Fail("no object header before the attribute");
        return -1;
    }
}
