using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using Condenser.Data;

namespace Condenser.Bench;

/// <summary>
/// The measurements behind the read-throughput figures: the machine's plain file read into a buffer, and Condenser's
/// frame iteration over the same file. Each returns seconds for one full pass.
/// </summary>
public static class ReadBenchmarks
{
    /// <summary>Buffer size of the plain read.</summary>
    public const int BufferBytes = 4 << 20;

    /// <summary>Reads the whole file sequentially into one reused buffer (the machine's file read bandwidth).</summary>
    public static double FileIntoBuffer(string path)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(BufferBytes, pinned: true);
        var sw = Stopwatch.StartNew();
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        ulong sink = 0;
        int n;
        while ((n = s.Read(buffer, 0, buffer.Length)) > 0)
        {
            sink ^= buffer[n - 1];
        }

        sw.Stop();
        GC.KeepAlive(sink);
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Copies every frame, one at a time, into one reused frame buffer (what a frame-by-frame consumer gets).</summary>
    public static double FramesIntoBuffer(EmDataset ds)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(checked((int)Math.Max(1, ds.FrameBytes)), pinned: true);
        var sw = Stopwatch.StartNew();
        ulong sink = 0;
        for (long f = 0; f < ds.FrameCount; f++)
        {
            ds.ReadFrame(f, buffer);
            sink ^= buffer[^1];
        }

        sw.Stop();
        GC.KeepAlive(sink);
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Visits every frame in place where the storage is mapped, touching every byte (an XOR over 64-bit words).</summary>
    public static double FramesTouched(EmDataset ds)
    {
        var sw = Stopwatch.StartNew();
        ulong sink = 0;
        ds.ForEachPartition(BufferBytes, (_, bytes) => sink ^= Xor(bytes));
        sw.Stop();
        GC.KeepAlive(sink);
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>XOR of all 64-bit words (tail bytes folded in): touches every byte with the least work.</summary>
    public static ulong Xor(ReadOnlySpan<byte> bytes)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        var acc = Vector<ulong>.Zero;
        var vectors = MemoryMarshal.Cast<ulong, Vector<ulong>>(words);
        foreach (var v in vectors)
        {
            acc ^= v;
        }

        ulong x = 0;
        for (int i = 0; i < Vector<ulong>.Count; i++)
        {
            x ^= acc[i];
        }

        for (int i = vectors.Length * Vector<ulong>.Count; i < words.Length; i++)
        {
            x ^= words[i];
        }

        for (int i = words.Length * 8; i < bytes.Length; i++)
        {
            x ^= bytes[i];
        }

        return x;
    }
}
