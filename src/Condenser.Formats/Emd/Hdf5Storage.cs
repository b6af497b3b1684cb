using Condenser.Data;
using Condenser.Data.Storage;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// Storage factory for HDF5 datasets (contiguous, compact or chunked, any filter PureHDF decodes). Arrays are read
/// in slabs of the leading axis so that large files stream; Velox stores frames on the last axis, which is read
/// frame by frame and presented first.
/// </summary>
internal static class Hdf5Storage
{
    /// <summary>Largest slab read at once.</summary>
    public const long SlabBytes = 64L << 20;

    /// <summary>Presents a dataset in its stored C order.</summary>
    public static ArrayStorage Stored(IH5Dataset ds, ulong[] dims, DType type, Lock gate)
    {
        int rank = dims.Length;
        if (rank == 0)
        {
            return new MemoryStorage(Locked(gate, () => Hdf5.ReadAll(ds)));
        }

        // A slab is a block of whole rows of the leading axes whose size fits SlabBytes.
        long inner = type.Size();
        int split = rank;
        while (split > 0 && inner * (long)dims[split - 1] <= SlabBytes)
        {
            inner *= (long)dims[split - 1];
            split--;
        }

        // Axes [split, rank) are read whole; a slab is one index of the axes before split.
        if (split == 0)
        {
            return new MemoryStorage(Locked(gate, () => Hdf5.ReadAll(ds)));
        }

        long slabs = 1;
        for (int i = 0; i < split; i++)
        {
            slabs *= (long)dims[i];
        }

        return new DecodedFrameStorage(slabs, inner, (index, dst) =>
        {
            var start = new ulong[rank];
            var count = new ulong[rank];
            long rem = index;
            for (int i = split - 1; i >= 0; i--)
            {
                start[i] = (ulong)(rem % (long)dims[i]);
                rem /= (long)dims[i];
                count[i] = 1;
            }

            for (int i = split; i < rank; i++)
            {
                count[i] = dims[i];
            }

            var bytes = Locked(gate, () => Hdf5.ReadBlock(ds, start, count));
            bytes.AsSpan(0, dst.Length).CopyTo(dst);
        });
    }

    /// <summary>Presents a dataset stored (…, frames) with frames last as (frames, …).</summary>
    public static ArrayStorage FramesLast(IH5Dataset ds, ulong[] dims, DType type, Lock gate)
    {
        int rank = dims.Length;
        long frameElements = 1;
        for (int i = 0; i < rank - 1; i++)
        {
            frameElements *= (long)dims[i];
        }

        return new DecodedFrameStorage((long)dims[rank - 1], frameElements * type.Size(), (f, dst) =>
        {
            var start = new ulong[rank];
            var count = dims.ToArray();
            start[rank - 1] = (ulong)f;
            count[rank - 1] = 1;
            var bytes = Locked(gate, () => Hdf5.ReadBlock(ds, start, count));
            bytes.AsSpan(0, dst.Length).CopyTo(dst);
        });
    }

    private static T Locked<T>(Lock gate, Func<T> f)
    {
        lock (gate)
        {
            return f();
        }
    }
}
