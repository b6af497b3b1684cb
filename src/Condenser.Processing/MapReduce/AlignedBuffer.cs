using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Condenser.Processing.MapReduce;

/// <summary>
/// A page-aligned native buffer that a pass reads frames into, rented from a small process-wide pool and returned
/// on dispose, so repeated passes (and every HTTP request) reuse the same memory instead of the large-object heap.
/// </summary>
internal sealed unsafe class AlignedBuffer : IDisposable
{
    private const int Alignment = 4096;
    private static readonly ConcurrentBag<AlignedBuffer> Pool = [];
    private static int _pooled;
    private byte* _pointer;

    private AlignedBuffer(int capacity)
    {
        Capacity = capacity;
        _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)capacity, Alignment);
    }

    /// <summary>Bytes the buffer holds.</summary>
    public int Capacity { get; }

    /// <summary>The first <paramref name="length"/> bytes.</summary>
    public Span<byte> Span(int length) => new(_pointer, Math.Min(length, Capacity));

    /// <summary>A buffer of at least <paramref name="bytes"/> (rounded up to a power of two, at least 64 KiB).</summary>
    public static AlignedBuffer Rent(long bytes)
    {
        int capacity = (int)Math.Min(Array.MaxLength, Math.Max(64 << 10, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, bytes))));
        var skipped = new List<AlignedBuffer>();
        AlignedBuffer? found = null;
        while (Pool.TryTake(out var b))
        {
            Interlocked.Decrement(ref _pooled);
            if (b.Capacity == capacity)
            {
                found = b;
                break;
            }

            skipped.Add(b);
        }

        foreach (var b in skipped)
        {
            b.Return();
        }

        return found ?? new AlignedBuffer(capacity);
    }

    /// <inheritdoc/>
    public void Dispose() => Return();

    private void Return()
    {
        if (Interlocked.Increment(ref _pooled) <= 2 * Environment.ProcessorCount + 2)
        {
            Pool.Add(this);
            return;
        }

        Interlocked.Decrement(ref _pooled);
        NativeMemory.AlignedFree(_pointer);
        _pointer = null;
    }
}
