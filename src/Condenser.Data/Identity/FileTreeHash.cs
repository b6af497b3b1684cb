using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Condenser.Data.Identity;

/// <summary>
/// A tree hash of a file's bytes: XXH3-128 of every 16 MiB leaf (by file offset), then XXH3-128 of the leaf digests
/// and the file length. Leaves are independent, so a pass that reads the file anyway hashes the leaves it reads on
/// whichever worker reads them, and a file read for nothing else is hashed on every core at once.
/// </summary>
/// <remarks>
/// Not cryptographic: it identifies a file against accidental change and mix-ups (2⁻¹²⁸ chance of a collision by
/// accident), not against a forger; the SHA-256 stays beside it where known. Chosen over BLAKE3 for speed: measured
/// here at ~11 GB/s per core against 3.5 GB/s for the managed BLAKE3 and 1.6 GB/s for SHA-256.
/// </remarks>
public sealed class FileTreeHash
{
    /// <summary>Bytes of one leaf.</summary>
    /// <remarks>Units: bytes.</remarks>
    public const int LeafBytes = 16 << 20;

    /// <summary>The name written beside the digest.</summary>
    public const string Algorithm = "xxh3-128-tree-16MiB";

    private readonly UInt128[] _leaves;
    private readonly bool[] _done;
    private int _remaining;

    /// <summary>An empty hash of a file of <paramref name="fileLength"/> bytes.</summary>
    public FileTreeHash(long fileLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileLength);
        FileLength = fileLength;
        long count = Math.Max(1, (fileLength + LeafBytes - 1) / LeafBytes);
        _leaves = new UInt128[count];
        _done = new bool[count];
        _remaining = (int)count;
    }

    /// <summary>Length of the file.</summary>
    /// <remarks>Units: bytes.</remarks>
    public long FileLength { get; }

    /// <summary>Number of leaves.</summary>
    public int LeafCount => _leaves.Length;

    /// <summary>True when every leaf has been hashed.</summary>
    public bool IsComplete => Volatile.Read(ref _remaining) == 0;

    /// <summary>File bytes of leaf <paramref name="index"/>: [start, start + length).</summary>
    public (long Start, int Length) Leaf(long index)
    {
        long start = index * LeafBytes;
        return (start, (int)Math.Clamp(FileLength - start, 0, LeafBytes));
    }

    /// <summary>Hashes leaf <paramref name="index"/> from its bytes (thread-safe; each leaf once).</summary>
    public void SetLeaf(long index, ReadOnlySpan<byte> bytes)
    {
        var (_, length) = Leaf(index);
        if (bytes.Length != length)
        {
            throw new ArgumentException($"leaf {index} has {length} bytes, {bytes.Length} given", nameof(bytes));
        }

        SetLeafDigest(index, XxHash128.HashToUInt128(bytes));
    }

    /// <summary>Sets leaf <paramref name="index"/>'s digest, made by XXH3-128 of exactly its bytes (streamed by the caller).</summary>
    public void SetLeafDigest(long index, UInt128 digest)
    {
        _leaves[index] = digest;
        if (!_done[index])
        {
            _done[index] = true;
            Interlocked.Decrement(ref _remaining);
        }
    }

    /// <summary>The root digest (lower-case hex, 32 digits); throws until every leaf is hashed.</summary>
    public string Root()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException($"{_remaining} of {_leaves.Length} leaves are not hashed yet");
        }

        var bytes = new byte[(_leaves.Length * 16) + 8];
        for (int i = 0; i < _leaves.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(bytes.AsSpan(i * 16), _leaves[i]);
        }

        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(_leaves.Length * 16), FileLength);
        return Convert.ToHexStringLower(XxHash128.Hash(bytes));
    }

    /// <summary>Hashes the leaves not hashed yet by reading them with read(2), on <paramref name="workers"/> threads.</summary>
    public void Fill(string path, int workers = 0, CancellationToken cancel = default)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long next = -1;
        workers = Math.Clamp(workers > 0 ? workers : Environment.ProcessorCount, 1, LeafCount);
        var threads = Enumerable.Range(0, workers).Select(_ => Task.Run(() => FillFrom(handle, ref next, cancel), cancel)).ToArray();
        Task.WaitAll(threads, cancel);
    }

    private void FillFrom(SafeFileHandle handle, ref long next, CancellationToken cancel)
    {
        var buffer = new byte[LeafBytes];
        long k;
        while ((k = Interlocked.Increment(ref next)) < LeafCount)
        {
            cancel.ThrowIfCancellationRequested();
            if (_done[k])
            {
                continue;
            }

            var (start, length) = Leaf(k);
            var span = buffer.AsSpan(0, length);
            int read = 0;
            while (read < length)
            {
                int n = RandomAccess.Read(handle, span[read..], start + read);
                if (n <= 0)
                {
                    throw new IOException($"the file ended at byte {start + read} while hashing (it changed?)");
                }

                read += n;
            }

            SetLeaf(k, span);
        }
    }

    /// <summary>The tree hash of a whole file, read on every core.</summary>
    public static string Of(string path, CancellationToken cancel = default)
    {
        var hash = new FileTreeHash(new FileInfo(path).Length);
        hash.Fill(path, 0, cancel);
        return hash.Root();
    }
}
