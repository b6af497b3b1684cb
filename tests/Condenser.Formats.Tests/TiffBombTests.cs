using System.Buffers.Binary;
using System.IO.Compression;
using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>
/// Decompression bombs built in the test: a 1 GiB page whose 1,024 strips all point at one small compressed block
/// (the shape of a 46 KB file that decoded to 2.1 GB). Opening refuses it at once, naming the bound, without decoding.
/// </summary>
public sealed class TiffBombTests : IDisposable
{
    private const int Width = 16384, Height = 65536, RowsPerStrip = 64;
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-bomb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Codecs() => new("deflate", "packbits");

    [Theory]
    [MemberData(nameof(Codecs))]
    public void SharedStripsCannotMultiplyTheDecodedSize(string codec)
    {
        var strip = new byte[Width * RowsPerStrip];
        var (compression, block) = codec == "deflate" ? (8, Deflate(strip)) : (32773, PackBits(strip));
        var path = Path.Combine(_dir, codec + ".tif");
        File.WriteAllBytes(path, Tiff(compression, block, Height / RowsPerStrip));
        Assert.True(new FileInfo(path).Length < 64 << 10);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<EmFileException>(() => FormatRegistry.Open(path).Dispose());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("decompression bomb", e.Message, StringComparison.Ordinal);
        Assert.Contains($"need {(long)Width * Height} bytes", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16 << 20, $"{allocated >> 20} MiB allocated");
    }

    [Fact]
    public void OneCompressedStripPerRowBlockStillReads()
    {
        // The same image with each strip its own copy of the block: honest compression at 1024:1 or less is read.
        var strip = new byte[1024 * 16];
        var block = Deflate(strip);
        var path = Path.Combine(_dir, "honest.tif");
        File.WriteAllBytes(path, Tiff(8, block, 4, width: 1024, rowsPerStrip: 16, distinct: true));
        using var file = FormatRegistry.Open(path);
        var summary = DatasetSummary.Compute(file.Datasets[0]);
        Assert.Equal(0, summary.Max);
    }

    private static byte[] Deflate(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            z.Write(data);
        }

        return ms.ToArray();
    }

    /// <summary>PackBits: runs of 128 equal bytes as (−127, value).</summary>
    private static byte[] PackBits(byte[] data)
    {
        var o = new List<byte>();
        for (int i = 0; i < data.Length; i += 128)
        {
            o.Add(unchecked((byte)-127));
            o.Add(data[i]);
        }

        return [.. o];
    }

    /// <summary>A little-endian 8-bit greyscale TIFF whose strips hold <paramref name="block"/> (once, or once each).</summary>
    private static byte[] Tiff(int compression, byte[] block, int strips, int width = Width, int rowsPerStrip = RowsPerStrip, bool distinct = false)
    {
        int height = strips * rowsPerStrip;
        int blocks = distinct ? strips : 1;
        int data = 8, offsets = data + (blocks * block.Length), counts = offsets + (4 * strips), ifd = counts + (4 * strips);
        var entries = new (ushort Tag, ushort Type, int Count, int Value)[]
        {
            (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, compression), (262, 3, 1, 1),
            (273, 4, strips, offsets), (277, 3, 1, 1), (278, 4, 1, rowsPerStrip), (279, 4, strips, counts),
        };
        var b = new byte[ifd + 2 + (entries.Length * 12) + 4];
        "II*\0"u8.CopyTo(b);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), ifd);
        for (int k = 0; k < blocks; k++)
        {
            block.CopyTo(b, data + (k * block.Length));
        }

        for (int s = 0; s < strips; s++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(offsets + (4 * s)), data + (distinct ? s * block.Length : 0));
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(counts + (4 * s)), block.Length);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(ifd), (ushort)entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            var at = b.AsSpan(ifd + 2 + (i * 12));
            BinaryPrimitives.WriteUInt16LittleEndian(at, entries[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(at[2..], entries[i].Type);
            BinaryPrimitives.WriteInt32LittleEndian(at[4..], entries[i].Count);
            if (entries[i].Type == 3)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(at[8..], (ushort)entries[i].Value);
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(at[8..], entries[i].Value);
            }
        }

        return b;
    }
}
