using Condenser.Data;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// HDF5-based files: Thermo Fisher Velox EMD, Berkeley EMD v0.2 (HyperSpy, ncempy, Prismatic), EMD 1.0 written by
/// py4DSTEM, and NeXus NXdata. Datasets are read lazily in slabs.
/// </summary>
public sealed class EmdFormat : IEmFormat
{
    /// <inheritdoc/>
    public string Name => "emd";

    /// <inheritdoc/>
    public string Description => "HDF5: Velox EMD, Berkeley EMD v0.2, py4DSTEM EMD 1.0, NeXus NXdata";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".emd", ".h5", ".hdf5", ".hdf", ".nxs", ".nx5"];

    /// <inheritdoc/>
    public bool TryDetect(ReadOnlySpan<byte> header)
    {
        for (int at = 0; at + 8 <= header.Length; at = at == 0 ? 512 : at * 2)
        {
            if (header.Slice(at, 8).SequenceEqual(Hdf5.Signature))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public EmFile Open(string path, OpenOptions? options = null)
    {
        lock (Hdf5.Global)
        {
            using var naming = Hdf5Storage.ForFile(path);
            return OpenLocked(path);
        }
    }

    private EmFile OpenLocked(string path)
    {
        // PureHDF allocates what damaged size fields state before it reads them: checked first, against the file.
        Hdf5Preflight.Check(path);
        NativeFileHolder holder;
        try
        {
            holder = new NativeFileHolder(H5File.OpenRead(path));
        }
        catch (Exception e) when (e is not FileNotFoundException and not UnauthorizedAccessException)
        {
            throw new EmFileException(path, -1, $"not a readable HDF5 file: {LibraryFailure.Describe(e)}", e);
        }

        try
        {
            var file = holder.File;
            List<EmDataset> sets;
            string format;
            if (file.LinkExists("Data") && file.LinkExists("Version"))
            {
                sets = VeloxReader.Read(path, file, holder.Gate);
                format = "emd-velox";
            }
            else if (NexusReader.IsNexus(file))
            {
                sets = NexusReader.Read(path, file, holder.Gate);
                format = "nexus";
            }
            else
            {
                sets = BerkeleyReader.Read(path, file, holder.Gate);
                format = "emd";
            }

            if (sets.Count == 0)
            {
                throw new EmFileException(path, -1, "the HDF5 file holds no dataset Condenser recognises (Velox Data, EMD data groups or NeXus NXdata)");
            }

            return new EmFile(path, format, sets, holder);
        }
        catch (EmFileException)
        {
            holder.Dispose();
            throw;
        }
        catch (Exception e)
        {
            // Includes OutOfMemoryException: PureHDF raises it for absurd sizes in damaged headers.
            holder.Dispose();
            throw new EmFileException(path, -1, $"the HDF5 structure cannot be read: {LibraryFailure.Describe(e)}", e);
        }
    }

    /// <summary>Keeps the HDF5 file open while its datasets live; reads are serialised.</summary>
    internal sealed class NativeFileHolder(PureHDF.VOL.Native.NativeFile file) : IDisposable
    {
        public PureHDF.VOL.Native.NativeFile File { get; } = file;

        public Lock Gate => Hdf5.Global;

        public void Dispose()
        {
            lock (Gate)
            {
                File.Dispose();
            }
        }
    }
}
