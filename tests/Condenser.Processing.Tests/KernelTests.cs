using Condenser.Processing.Kernels;

namespace Condenser.Processing.Tests;

/// <summary>Every SIMD kernel against its scalar reference at every length 0..256 (and a long tail case).</summary>
public sealed class KernelTests
{
    public static TheoryData<int> Lengths() => new([.. Enumerable.Range(0, 257), 70_000]);

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
        var mask = new ushort[length];
        for (int i = 0; i < length; i++)
        {
            mask[i] = rng.Next(2) == 0 ? (ushort)0 : ushort.MaxValue;
        }

        Assert.Equal(SumKernels.MaskedSumScalar(u16, mask), SumKernels.MaskedSum(u16, mask));
        Assert.Equal(SumKernels.SumScalar(u8), SumKernels.Sum(u8));
        Assert.Equal(SumKernels.SumScalar(u32), SumKernels.Sum(u32));
        double reference = SumKernels.SumScalar(f32);
        Assert.Equal(reference, SumKernels.Sum(f32), Math.Max(1e-3, Math.Abs(reference) * 1e-6));
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
