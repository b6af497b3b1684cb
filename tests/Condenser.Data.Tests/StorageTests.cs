using System.Buffers.Binary;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Data.Tests;

public sealed class StorageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PermutedStorageMatchesTheDefinitionOfTranspose()
    {
        int[] shape = [3, 4, 5];
        var bytes = new byte[3 * 4 * 5 * 2];
        for (int i = 0; i < 60; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)i);
        }

        using var p = new PermutedStorage(new MemoryStorage(bytes), shape, [1, 2, 0], 2);
        var result = new byte[bytes.Length];
        p.Read(0, result);

        // out[b, c, a] = in[a, b, c]
        for (int a = 0; a < 3; a++)
        {
            for (int b = 0; b < 4; b++)
            {
                for (int c = 0; c < 5; c++)
                {
                    int expected = (a * 20) + (b * 5) + c;
                    int at = (b * 15) + (c * 3) + a;
                    Assert.Equal(expected, BinaryPrimitives.ReadUInt16LittleEndian(result.AsSpan(at * 2)));
                }
            }
        }

        // A partial read in the middle agrees with the whole.
        var part = new byte[14];
        p.Read(20, part);
        Assert.Equal(result.AsSpan(20, 14).ToArray(), part);
    }

    [Fact]
    public void FramedFileStorageReadsAcrossFramesAndSwapsBigEndian()
    {
        // Three frames of four big-endian uint16, each after a 5-byte header.
        var path = Path.Combine(_dir, "framed.bin");
        using (var s = File.Create(path))
        {
            for (int f = 0; f < 3; f++)
            {
                s.Write("HEAD!"u8);
                for (int i = 0; i < 4; i++)
                {
                    var v = new byte[2];
                    BinaryPrimitives.WriteUInt16BigEndian(v, (ushort)((f * 100) + i));
                    s.Write(v);
                }
            }
        }

        using var file = new MappedFile(path);
        using var storage = new FramedFileStorage(file, 3, 8, i => (i * 13) + 5, swapUnit: 2);
        file.Dispose();
        var all = new byte[24];
        storage.Read(0, all);
        var values = Enumerable.Range(0, 12).Select(i => BinaryPrimitives.ReadUInt16LittleEndian(all.AsSpan(i * 2))).ToArray();
        Assert.Equal(new ushort[] { 0, 1, 2, 3, 100, 101, 102, 103, 200, 201, 202, 203 }, values);
        var middle = new byte[6];
        storage.Read(6, middle);
        Assert.Equal(all.AsSpan(6, 6).ToArray(), middle);
    }

    [Fact]
    public void AFramedStorageThatPointsPastTheFileIsRejected()
    {
        var path = Path.Combine(_dir, "short.bin");
        File.WriteAllBytes(path, new byte[100]);
        using var file = new MappedFile(path);
        var e = Assert.Throws<EmFileException>(() => new FramedFileStorage(file, 4, 30, i => i * 30));
        Assert.Contains("short.bin", e.Message);
        Assert.Equal(90, e.Offset);
    }

    [Fact]
    public void FileRegionStorageIsZeroCopyForLittleEndian()
    {
        var path = Path.Combine(_dir, "region.bin");
        File.WriteAllBytes(path, Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        using var file = new MappedFile(path);
        using var region = new FileRegionStorage(file, 16, 32);
        Assert.True(region.TryGetSpan(4, 8, out var span));
        Assert.Equal(new byte[] { 20, 21, 22, 23, 24, 25, 26, 27 }, span.ToArray());
        Assert.Throws<EmFileException>(() => new FileRegionStorage(file, 40, 32));
    }

    [Fact]
    public void ReleasedPagesReadBackUnchanged()
    {
        // 40 KiB with a 3-byte header: releases cover whole pages inside the range, reads afterwards fault them back in.
        var path = Path.Combine(_dir, "pages.bin");
        var bytes = new byte[(40 << 10) + 3];
        new Random(2).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        using var file = new MappedFile(path);
        using var region = new FileRegionStorage(file, 3, 40 << 10);
        using var framed = new FramedFileStorage(file.AddReference(), 10, 4096, i => 3 + (i * 4096));
        region.Release(0, 40 << 10);
        framed.Release(4096, 3 * 4096);
        file.Release(0, bytes.Length);
        var back = new byte[40 << 10];
        region.Read(0, back);
        Assert.Equal(bytes.AsSpan(3).ToArray(), back);
        framed.Read(0, back);
        Assert.Equal(bytes.AsSpan(3).ToArray(), back);
        Assert.Throws<ArgumentOutOfRangeException>(() => region.Release(1, 40 << 10));
    }

    [Fact]
    public void SummaryIsExactForIntegersAndIgnoresNaN()
    {
        var ints = new byte[1000 * 2];
        for (int i = 0; i < 1000; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(ints.AsSpan(i * 2), (ushort)(i * 7));
        }

        using var a = EmDataset.FromBytes("ints", [10], [100], DType.UInt16, ints);
        var s = DatasetSummary.Compute(a);
        Assert.Equal(0, s.Min);
        Assert.Equal(6993, s.Max);
        Assert.Equal(7.0 * 999 * 1000 / 2, s.Sum);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(ints)), s.Sha256);

        var floats = new byte[4 * 4];
        float[] v = [1.5f, float.NaN, -2f, 4f];
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(i * 4), v[i]);
        }

        using var f = EmDataset.FromBytes("floats", [], [4], DType.Float32, floats);
        var fs = DatasetSummary.Compute(f);
        Assert.Equal(-2, fs.Min);
        Assert.Equal(4, fs.Max);
        Assert.Equal(3.5, fs.Sum);
        Assert.Equal(3.5 / 3, fs.Mean!.Value, 12);
    }

    [Fact]
    public void PartitionsStayWithinTheirCapAndCoverEveryFrame()
    {
        var bytes = new byte[50 * 64];
        new Random(3).NextBytes(bytes);
        using var d = EmDataset.FromBytes("p", [5, 10], [8, 8], DType.UInt8, bytes);
        var seen = new List<long>();
        var copy = new byte[bytes.Length];
        d.ForEachPartition(200, (first, part) =>
        {
            Assert.True(part.Length <= 200);
            seen.Add(first);
            part.CopyTo(copy.AsSpan((int)(first * 64)));
        });
        Assert.Equal(bytes, copy);
        Assert.Equal(Enumerable.Range(0, 17).Select(i => (long)i * 3), seen);
    }

    [Theory]
    [InlineData("uint16", DType.UInt16)]
    [InlineData("u2", DType.UInt16)]
    [InlineData("float", DType.Float64)]
    [InlineData("complex64", DType.Complex64)]
    [InlineData("rgba8", DType.Rgba8)]
    public void DTypeNamesParse(string name, DType expected)
    {
        Assert.Equal(expected, DTypeInfo.Parse(name));
        Assert.Equal(expected, DTypeInfo.Parse(expected.Name()));
    }

    [Fact]
    public void AnUnknownDTypeNamesTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => DTypeInfo.Parse("uint12"));
        Assert.Contains("uint12", e.Message);
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void SignalTypesFollowTheScan()
    {
        Assert.Equal(SignalTypes.FourDStem, SignalTypeRules.Infer(SignalTypes.Diffraction, 2));
        Assert.Equal(SignalTypes.SpectrumImage, SignalTypeRules.Infer(SignalTypes.Spectrum, 2));
        Assert.Equal(SignalTypes.Stack, SignalTypeRules.Infer(SignalTypes.Image, 1));
        Assert.Equal(SignalTypes.Image, SignalTypeRules.Infer(SignalTypes.Image, 0));
    }
}

public sealed class LargePermutedStorageTests
{
    [Fact]
    public void MovingTheFirstAxisLastStreamsLargeArraysExactly()
    {
        // 300 MiB stored E × N (above the in-memory cache limit), presented N × E; checked on a few frames.
        const int energies = 75, frames = 1 << 20;
        var storage = new PatternStorage((long)energies * frames * 4);
        using var p = new PermutedStorage(storage, [energies, frames], [1, 0], 4);
        var block = new byte[3 * energies * 4];
        p.Read(5L * energies * 4, block);
        for (int f = 0; f < 3; f++)
        {
            for (int e = 0; e < energies; e++)
            {
                long stored = ((long)e * frames) + 5 + f;
                Assert.Equal((uint)stored, BitConverter.ToUInt32(block, ((f * energies) + e) * 4));
            }
        }
    }

    /// <summary>uint32 values equal to their own index, computed on demand.</summary>
    private sealed class PatternStorage(long bytes) : ArrayStorage
    {
        public override long ByteLength => bytes;

        public override void Read(long byteOffset, Span<byte> destination)
        {
            for (int i = 0; i < destination.Length / 4; i++)
            {
                BitConverter.TryWriteBytes(destination.Slice(i * 4, 4), (uint)((byteOffset / 4) + i));
            }
        }
    }
}
