using System.Numerics;
using Condenser.Processing.Kernels;

namespace Condenser.Processing.Tests;

/// <summary>Every SIMD kernel against its scalar reference at every length 0..256 (and a long tail case).</summary>
public sealed class KernelTests
{
    public static TheoryData<int> Lengths() => new([.. Enumerable.Range(0, 257), 70_000]);

    [Fact]
    public void TheInstructionSetSwitchesOfCiReachTheRuntime()
    {
        // .ci/run runs these tests again with AVX-512 and then AVX2 switched off, so that every kernel path runs.
        // .NET 10 reads DOTNET_EnableAVX512; DOTNET_EnableAVX512F alone no longer switches AVX-512 off.
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.False(System.Runtime.Intrinsics.X86.Avx512F.IsSupported);
            Assert.False(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.False(System.Runtime.Intrinsics.X86.Avx2.IsSupported);
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SumsMatchTheScalarReference(int length)
    {
        var rng = new Random(length);
        var u16 = new ushort[length];
        var u8 = new byte[length];
        var u32 = new uint[length];
        var f32 = new float[length];
        for (int i = 0; i < length; i++)
        {
            // Extremes on every third element test the accumulators' headroom.
            u16[i] = i % 3 == 0 ? ushort.MaxValue : (ushort)rng.Next(65536);
            u8[i] = i % 3 == 0 ? byte.MaxValue : (byte)rng.Next(256);
            u32[i] = i % 3 == 0 ? uint.MaxValue : (uint)rng.NextInt64(uint.MaxValue);
            f32[i] = (float)(rng.NextDouble() * 1000);
        }

        Assert.Equal(SumKernels.SumScalar(u16), SumKernels.Sum(u16));
        Assert.Equal(SumKernels.SumScalar(u8), SumKernels.Sum(u8));
        Assert.Equal(SumKernels.SumScalar(u32), SumKernels.Sum(u32));
        double reference = SumKernels.SumScalar(f32);
        Assert.Equal(reference, SumKernels.Sum(f32), Math.Max(1e-3, Math.Abs(reference) * 1e-6));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MomentsMatchTheScalarReference(int width)
    {
        if (width == 0)
        {
            Assert.Throws<ArgumentException>(() => MomentKernels.Moments([], 0));
            return;
        }

        var rng = new Random(width);
        int height = width == 70_000 ? 2 : 1 + (width % 7);
        var frame = new ushort[width * height];
        for (int i = 0; i < frame.Length; i++)
        {
            frame[i] = i % 3 == 0 ? ushort.MaxValue : (ushort)rng.Next(65536);
        }

        Assert.Equal(MomentKernels.MomentsScalar(frame, width), MomentKernels.Moments(frame, width));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void BlockMasksMatchTheScalarReference(int pixels)
    {
        var rng = new Random(pixels);
        var frame = new ushort[pixels];
        var inside = new bool[pixels];
        for (int i = 0; i < pixels; i++)
        {
            frame[i] = i % 3 == 0 ? ushort.MaxValue : (ushort)rng.Next(65536);
            inside[i] = rng.Next(3) != 0;
        }

        var mask = new MaskVectors(PixelSpans.FromMask(inside, Math.Max(1, pixels)), pixels);
        ulong expected = 0;
        for (int i = 0; i < pixels; i++)
        {
            expected += inside[i] ? frame[i] : 0u;
        }

        Assert.Equal(expected, mask.Sum(frame));
        ulong blocksOnly = mask.SumScalarBlocks(frame);
        Assert.Equal(blocksOnly, mask.SumPortable(frame));
    }

    [Fact]
    public void SumsStayExactWhenAWholeAccumulationBlockIsFilled()
    {
        // The uint16 sum widens into uint32 lanes for 32 768 vectors at a time: at 65 535 everywhere a lane ends a full
        // block at 65 535 × 2 × 32 768 = 4 294 901 760, 65 535 below its limit. Two whole blocks and a ragged tail,
        // whatever the vector width (16 lanes with AVX2, 32 with AVX-512, 8 with SSE).
        int length = (2 * 32768 * Vector<ushort>.Count) + 17;
        var high = new ushort[length];
        Array.Fill(high, ushort.MaxValue);
        Assert.Equal((ulong)length * ushort.MaxValue, SumKernels.Sum(high));
        Assert.Equal(SumKernels.SumScalar(high), SumKernels.Sum(high));
    }

    [Theory]
    [InlineData(ushort.MaxValue)]
    [InlineData(0)]
    [InlineData(32768)]
    public void BlockMasksStayExactAcrossTheirFlushOfInt32Lanes(int value)
    {
        // The AVX2 masked sum moves its int32 lanes on every 16 384 blocks of 16 pixels; a lane gains up to ±65 536
        // per block (the values biased by −32 768): a full mask over 1024 × 512 pixels runs two whole chunks, at both
        // extremes of the bias and at its middle.
        const int pixels = 1024 * 512;
        var frame = new ushort[pixels];
        Array.Fill(frame, (ushort)value);
        var mask = new MaskVectors([new PixelSpan(0, pixels)], pixels);
        Assert.Equal(2 * 16384, mask.Blocks);
        Assert.Equal((ulong)pixels * (ulong)value, mask.Sum(frame));
        Assert.Equal((ulong)pixels * (ulong)value, mask.SumPortable(frame));
        Assert.Equal((ulong)pixels * (ulong)value, mask.SumScalarBlocks(frame));
    }

    [Fact]
    public void MomentsStayExactAtTheRowLimit()
    {
        var frame = new ushort[65536 * 16];
        Array.Fill(frame, ushort.MaxValue);
        Assert.Equal(MomentKernels.MomentsScalar(frame, 16), MomentKernels.Moments(frame, 16));
        foreach (int width in new[] { 128, 512, 2048 })
        {
            var big = new ushort[width * 1024];
            Array.Fill(big, ushort.MaxValue);
            Assert.Equal(MomentKernels.MomentsScalar(big, width), MomentKernels.Moments(big, width));
            Assert.Equal(MomentKernels.MomentsScalar(big, width), MomentKernels.MomentsPortable(big, width));
        }
    }

    [Fact]
    public void AnnulusHoldsExactlyThePixelsWhoseCentresLieInside()
    {
        const int h = 37, w = 41;
        double cy = 17.3, cx = 20.6, inner = 4.5, outer = 12;
        var spans = PixelSpans.Annulus(h, w, cy, cx, inner, outer);
        var mask = new bool[h * w];
        foreach (var s in spans)
        {
            for (int i = s.Start; i < s.Start + s.Length; i++)
            {
                Assert.False(mask[i]);
                mask[i] = true;
                Assert.Equal(s.Start / w, i / w); // a span stays in its row
            }
        }

        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double r = Math.Sqrt(((y - cy) * (y - cy)) + ((x - cx) * (x - cx)));
                Assert.Equal(r >= inner && r < outer, mask[(y * w) + x]);
            }
        }

        Assert.Equal(PixelSpans.Count(spans), PixelSpans.Count(PixelSpans.FromMask(mask, w)));
    }

    [Fact]
    public void ABadAnnulusIsRefused() => Assert.Throws<ArgumentException>(() => PixelSpans.Annulus(8, 8, 4, 4, 5, 2));
}
