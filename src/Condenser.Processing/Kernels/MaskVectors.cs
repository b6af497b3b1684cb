using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Condenser.Processing.Kernels;

/// <summary>
/// A detector over uint16 frames as the list of 16-pixel blocks it touches, each with its 0/1 weights: a masked sum
/// reads only those blocks and costs one multiply-add per block whatever the detector's shape.
/// </summary>
public sealed class MaskVectors
{
    /// <summary>Pixels per block.</summary>
    public const int BlockPixels = 16;

    private readonly int[] _offsets;
    private readonly nint[] _byteOffsets;
    private readonly short[] _weightStore;
    private readonly int _weightStart;
    private readonly PixelSpan[] _tail;

    /// <summary>Builds the block list of the pixels covered by <paramref name="spans"/> in frames of <paramref name="framePixels"/>.</summary>
    public MaskVectors(ReadOnlySpan<PixelSpan> spans, int framePixels)
    {
        var inside = new bool[framePixels];
        foreach (var s in spans)
        {
            if (s.Start < 0 || s.Length < 0 || s.Start > framePixels - s.Length)
            {
                throw new ArgumentException($"detector span [{s.Start}, {s.Start + s.Length}) outside a frame of {framePixels} pixels");
            }

            inside.AsSpan(s.Start, s.Length).Fill(true);
        }

        int blocks = framePixels / BlockPixels;
        var offsets = new List<int>();
        var weights = new List<short>();
        for (int b = 0; b < blocks; b++)
        {
            var block = inside.AsSpan(b * BlockPixels, BlockPixels);
            if (block.Contains(true))
            {
                offsets.Add(b * BlockPixels);
                foreach (bool on in block)
                {
                    weights.Add(on ? (short)1 : (short)0);
                    PixelsInBlocks += on ? 1 : 0;
                }
            }
        }

        _offsets = [.. offsets];
        _byteOffsets = GC.AllocateArray<nint>(_offsets.Length, pinned: true);
        for (int b = 0; b < _offsets.Length; b++)
        {
            _byteOffsets[b] = _offsets[b] * sizeof(ushort);
        }

        // The AVX2 path reads the weights 32 bytes at a time: they are kept pinned, starting on a 32-byte boundary.
        _weightStore = GC.AllocateArray<short>(weights.Count + 16, pinned: true);
        unsafe
        {
            fixed (short* p = _weightStore)
            {
                _weightStart = (int)((32 - ((nint)p & 31)) & 31) / 2;
            }
        }

        weights.CopyTo(_weightStore, _weightStart);
        _tail = PixelSpans.FromMask(inside.AsSpan(blocks * BlockPixels), Math.Max(1, framePixels - (blocks * BlockPixels)))
            .Select(s => s with { Start = s.Start + (blocks * BlockPixels) }).ToArray();
        FramePixels = framePixels;
    }

    /// <summary>Frame size the mask was built for.</summary>
    public int FramePixels { get; }

    /// <summary>Blocks touched.</summary>
    public int Blocks => _offsets.Length;

    private long PixelsInBlocks { get; }

    /// <summary>The 0/1 weights of the blocks, <see cref="BlockPixels"/> per block, in block order.</summary>
    private ReadOnlySpan<short> Weights => _weightStore.AsSpan(_weightStart, _offsets.Length * BlockPixels);

    /// <summary>Exact sum of the frame's pixels inside the detector.</summary>
    public ulong Sum(ReadOnlySpan<ushort> frame)
    {
        if (frame.Length != FramePixels)
        {
            throw new ArgumentException($"a frame of {frame.Length} pixels for a mask of {FramePixels}");
        }

        ulong total = Avx2.IsSupported ? SumAvx2(frame) : SumPortable(frame);
        foreach (var s in _tail)
        {
            total += SumKernels.Sum(frame.Slice(s.Start, s.Length));
        }

        return total;
    }

    /// <summary>The blocks with the portable vector API: mask by AND, widen, add (the path without AVX2).</summary>
    public ulong SumPortable(ReadOnlySpan<ushort> frame)
    {
        ulong total = 0;
        if (Vector<ushort>.Count == BlockPixels && Vector.IsHardwareAccelerated)
        {
            var weights = MemoryMarshal.Cast<short, Vector<ushort>>(Weights);
            var acc = Vector<uint>.Zero;
            for (int b = 0; b < _offsets.Length; b++)
            {
                // 0/1 weights become 0/0xFFFF masks by negation.
                var v = new Vector<ushort>(frame.Slice(_offsets[b], BlockPixels)) & (Vector<ushort>.Zero - weights[b]);
                Vector.Widen(v, out var lo, out var hi);
                acc += lo + hi;
                if ((b & 0x3FFF) == 0x3FFF)
                {
                    total += Widened(acc);
                    acc = Vector<uint>.Zero;
                }
            }

            return total + Widened(acc);
        }

        return SumScalarBlocks(frame);
    }

    /// <summary>Scalar reference: the blocks' weighted pixels one by one.</summary>
    public ulong SumScalarBlocks(ReadOnlySpan<ushort> frame)
    {
        ulong total = 0;
        var weights = Weights;
        for (int b = 0; b < _offsets.Length; b++)
        {
            for (int i = 0; i < BlockPixels; i++)
            {
                total += (ulong)(frame[_offsets[b] + i] * weights[(b * BlockPixels) + i]);
            }
        }

        return total;
    }

    /// <summary>
    /// AVX2: (v − 32768) as int16 times the 0/1 weights, pairs added into int32 lanes (vpmaddwd), the bias of 32768 per
    /// counted pixel added back at the end. A lane gains at most 65 536 per block, so it is flushed every 16 384 blocks.
    /// Pointers and byte offsets keep the loop at one offset load, one data load and one weight load per block.
    /// </summary>
    private unsafe ulong SumAvx2(ReadOnlySpan<ushort> frame)
    {
        long total = 0;
        var bias = Vector256.Create(unchecked((short)0x8000));
        fixed (ushort* frameStart = frame)
        fixed (short* weightStore = _weightStore)
        fixed (nint* offsetStart = _byteOffsets)
        {
            byte* f = (byte*)frameStart;
            short* w = weightStore + _weightStart;
            nint* off = offsetStart;
            nint* end = offsetStart + _byteOffsets.Length;
            while (off < end)
            {
                nint* chunkEnd = off + Math.Min(16384, end - off);
                var acc0 = Vector256<int>.Zero;
                var acc1 = Vector256<int>.Zero;
                for (; off + 4 <= chunkEnd; off += 4, w += 4 * BlockPixels)
                {
                    acc0 += Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(f + off[0])) ^ bias, Avx.LoadAlignedVector256(w));
                    acc1 += Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(f + off[1])) ^ bias, Avx.LoadAlignedVector256(w + BlockPixels));
                    acc0 += Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(f + off[2])) ^ bias, Avx.LoadAlignedVector256(w + (2 * BlockPixels)));
                    acc1 += Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(f + off[3])) ^ bias, Avx.LoadAlignedVector256(w + (3 * BlockPixels)));
                }

                for (; off < chunkEnd; off++, w += BlockPixels)
                {
                    acc0 += Avx2.MultiplyAddAdjacent(Avx.LoadVector256((short*)(f + off[0])) ^ bias, Avx.LoadAlignedVector256(w));
                }

                // A lane holds at most 2 × 32 768 × 8 192 per accumulator here: the sum fits int32 before widening.
                total += Vector256.Sum(Vector256.WidenLower(acc0) + Vector256.WidenUpper(acc0) + Vector256.WidenLower(acc1) + Vector256.WidenUpper(acc1));
            }
        }

        return (ulong)(total + (32768L * PixelsInBlocks));
    }

    private static ulong Widened(Vector<uint> acc)
    {
        Vector.Widen(acc, out var lo, out var hi);
        return Vector.Sum(lo + hi);
    }
}
