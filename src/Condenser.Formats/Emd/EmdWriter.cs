using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Data;
using PureHDF;
using PureHDF.Selections;

namespace Condenser.Formats.Emd;

/// <summary>
/// Writes Berkeley EMD v0.2 as HyperSpy writes it (and HyperSpy, ncempy and py4DSTEM read it): root attributes
/// version 0.2, one group per dataset under <c>/signals</c> marked <c>emd_group_type = 1</c>, the array in
/// <c>data</c> with its axes reversed (fastest first) and <c>dim1..dimN</c> calibration vectors with <c>name</c> and
/// <c>units</c>. Condenser's normalised and original metadata travel as JSON attributes. Frames are written one chunk
/// at a time, so memory stays bounded whatever the dataset's size.
/// </summary>
public sealed class EmdWriter : IEmWriter
{
    /// <summary>Largest original-metadata JSON stored, in characters.</summary>
    public const int MaxOriginalJson = 4 << 20;

    /// <inheritdoc/>
    public string Name => "emd";

    /// <inheritdoc/>
    public void Write(string path, IReadOnlyList<EmDataset> datasets, WriteOptions? options = null)
    {
        lock (Hdf5.Global)
        {
            WriteLocked(path, datasets, options ?? new WriteOptions());
        }
    }

    private static void WriteLocked(string path, IReadOnlyList<EmDataset> datasets, WriteOptions options)
    {
        var file = new H5File
        {
            Attributes = new Dictionary<string, object>
            {
                ["version_major"] = 0,
                ["version_minor"] = 2,
                ["authoring_program"] = options.Software,
            },
        };
        var signals = new H5Group { Attributes = new Dictionary<string, object> { ["emd_group_type"] = 1 } };
        file["signals"] = signals;
        foreach (var name in new[] { "microscope", "sample", "user", "comments" })
        {
            file[name] = new H5Group();
        }

        var writes = new List<Action<H5NativeWriter>>();
        var names = GroupNames(datasets.Select(d => d.Name).ToList());
        for (int index = 0; index < datasets.Count; index++)
        {
            var ds = datasets[index];
            string title = names[index];
            var attributes = GroupAttributes(ds);
            attributes["condenser_index"] = index; // HDF5 lists groups by name: this keeps the written order
            var group = new H5Group { Attributes = attributes };
            signals[title] = group;
            int rank = ds.Shape.Rank;
            var dims = ds.Shape.Dimensions;
            for (int i = 0; i < rank; i++)
            {
                // Stored axis j is presented axis rank-1-j; its vector is dim{j+1}.
                var axis = ds.Axes[i];
                int j = rank - 1 - i;
                // An axis of length 1 gets two values (offset, offset + scale), as HyperSpy writes every axis: from one
                // value no reader can tell the scale (HyperSpy 1.7 reads NaN).
                var values = new double[Math.Max(2, axis.Size)];
                for (int k = 0; k < values.Length; k++)
                {
                    values[k] = axis.Offset + (k * axis.Scale);
                }

                group[$"dim{j + 1}"] = new H5Dataset(values)
                {
                    Attributes = new Dictionary<string, object>
                    {
                        ["name"] = axis.Name,
                        ["units"] = axis.Units.Length > 0 ? $"[{axis.Units}]" : "[]",
                    },
                };
            }

            writes.Add(AddData(group, ds, reversed: true));
        }

        var tmp = path + ".partial";
        using (var writer = file.BeginWrite(tmp))
        {
            foreach (var w in writes)
            {
                w(writer);
            }
        }

        File.Move(tmp, path, overwrite: true);
    }

    internal static Dictionary<string, object> GroupAttributes(EmDataset ds)
    {
        var meta = new JsonObject
        {
            ["metadata"] = MetadataJson.Normalised(ds.Metadata),
            ["navigation_dims"] = ds.Shape.Navigation.Count,
            ["dtype"] = ds.DType.Name(),
            ["axes"] = MetadataJson.Axes(ds.Axes),
        };
        var attrs = new Dictionary<string, object>
        {
            ["emd_group_type"] = 1,
            ["title"] = ds.Metadata.Title ?? ds.Name,
            [BerkeleyReader.MetadataAttribute] = meta.ToJsonString(),
        };
        var original = MetadataJson.Tree(ds.OriginalMetadata).ToJsonString();
        if (original.Length <= MaxOriginalJson)
        {
            attrs[BerkeleyReader.OriginalAttribute] = original;
        }

        return attrs;
    }

    /// <summary>
    /// Group names under <c>signals</c>, one per dataset, none of them the beginning of another: HyperSpy 1.7 stacks
    /// every group whose path contains another's into one signal (two datasets titled "DF4" written as "DF4" and
    /// "DF4 (2)" came back as one stack, or failed where the shapes differ). A title that repeats, or begins another,
    /// gets its position: "DF4 #1", "DF4 #2".
    /// </summary>
    internal static List<string> GroupNames(IReadOnlyList<string> titles)
    {
        var clean = titles.Select(CleanName).ToList();
        int width = clean.Count.ToString(CultureInfo.InvariantCulture).Length;
        string Numbered(int i) => $"{clean[i]} #{(i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}";
        bool Clash(IReadOnlyList<string> names, int i) => names.Where((other, j) => j != i && other.StartsWith(names[i], StringComparison.Ordinal)).Any();
        var names = clean.Select((_, i) => Clash(clean, i) ? Numbered(i) : clean[i]).ToList();
        return Enumerable.Range(0, names.Count).Any(i => Clash(names, i)) ? [.. clean.Select((_, i) => Numbered(i))] : names;
    }

    /// <summary>A name HDF5 takes as one link: '/' and '.' replaced, never empty.</summary>
    private static string CleanName(string name)
    {
        var clean = string.Concat(name.Select(c => c is '/' or '.' ? '_' : c)).Trim();
        return clean.Length == 0 ? "__unnamed__" : clean;
    }

    internal static string UniqueName(string name, HashSet<string> used)
    {
        var clean = CleanName(name);
        var n = clean;
        for (int i = 2; !used.Add(n); i++)
        {
            n = $"{clean} ({i})";
        }

        return n;
    }

    /// <summary>
    /// Adds the data set <c>data</c> to <paramref name="group"/>, chunked one frame per chunk, and returns the writing
    /// step: axes reversed (fastest first, as EMD and HyperSpy store them) or in the presented C order (NeXus).
    /// </summary>
    internal static Action<H5NativeWriter> AddData(H5Group group, EmDataset ds, bool reversed) => ds.DType switch
    {
        DType.Bool or DType.UInt8 or DType.Rgb8 or DType.Rgba8 => Add<byte>(group, ds, reversed),
        DType.Int8 => Add<sbyte>(group, ds, reversed),
        DType.UInt16 => Add<ushort>(group, ds, reversed),
        DType.Int16 => Add<short>(group, ds, reversed),
        DType.UInt32 => Add<uint>(group, ds, reversed),
        DType.Int32 => Add<int>(group, ds, reversed),
        DType.UInt64 => Add<ulong>(group, ds, reversed),
        DType.Int64 => Add<long>(group, ds, reversed),
        DType.Float32 => Add<float>(group, ds, reversed),
        DType.Float64 => Add<double>(group, ds, reversed),
        DType.Complex64 => Add<Complex64>(group, ds, reversed),
        DType.Complex128 => Add<Complex128>(group, ds, reversed),
        _ => throw new NotSupportedException($"HDF5 cannot hold {ds.DType.Name()}"),
    };

    private static Action<H5NativeWriter> Add<T>(H5Group group, EmDataset ds, bool reversed)
        where T : unmanaged
    {
        int rank = ds.Shape.Rank;
        var presented = ds.Shape.Dimensions;
        var stored = (reversed ? presented.Reverse() : presented).Select(d => (ulong)d).ToArray();
        int sigRank = ds.Shape.Signal.Count;
        if (rank == 0 || ds.Shape.ElementCount == 0)
        {
            var whole = MemoryMarshal.Cast<byte, T>(ds.ReadAll()).ToArray();
            group["data"] = new H5Dataset(whole);
            return _ => { };
        }

        // One chunk holds one frame: the signal axes whole, every navigation axis 1.
        int navRank = rank - sigRank;
        var chunks = stored.Select((d, j) => (reversed ? j < sigRank : j >= navRank) ? (uint)Math.Max(1, Math.Min(d, 1UL << 20)) : 1u).ToArray();
        if (chunks.Aggregate(1L, (a, c) => a * c) * Marshal.SizeOf<T>() > int.MaxValue)
        {
            throw new NotSupportedException("a single frame over 2 GiB cannot be one HDF5 chunk");
        }

        var dataset = new H5Dataset<T[]>(fileDims: stored, chunks: chunks);
        group["data"] = dataset;
        return writer =>
        {
            var sig = ds.Shape.Signal.ToArray();
            var nav = ds.Shape.Navigation.ToArray();
            long frameElements = ds.Shape.SignalCount;
            var frame = new byte[ds.FrameBytes];
            var transposed = new T[frameElements];
            var varying = reversed ? Hdf5Storage.ReversedNavigationAxes(rank, nav.Length) : Enumerable.Range(0, nav.Length).ToArray();
            for (long f = 0; f < ds.FrameCount; f++)
            {
                ds.ReadFrame(f, frame);
                if (reversed)
                {
                    Hdf5Storage.ReverseAxes(frame, MemoryMarshal.AsBytes(transposed.AsSpan()), sig, Marshal.SizeOf<T>());
                }
                else
                {
                    frame.CopyTo(MemoryMarshal.AsBytes(transposed.AsSpan()));
                }

                var (start, count) = Hdf5.Block(stored, varying, f);
                writer.Write(dataset, transposed, fileSelection: new HyperslabSelection(rank, start, count));
            }
        };
    }

    /// <summary>h5py's complex64 layout: a compound of two float32 named r and i.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Complex64
    {
        public float r;
        public float i;
    }

    /// <summary>h5py's complex128 layout.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Complex128
    {
        public double r;
        public double i;
    }
}
