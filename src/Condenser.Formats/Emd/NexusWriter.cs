using Condenser.Data;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// Writes NeXus files shaped as the NXem application definition (electron microscopy): one <c>NXentry</c> with
/// <c>definition = NXem</c>, the identifier, program and start time; <c>NXsample</c> (name, atom_types),
/// <c>NXuser</c>, <c>NXinstrument</c> with the electron source's voltage; and one <c>NXdata</c> per dataset with the
/// array in C order (navigation axes first), its <c>signal</c>, <c>axes</c> and <c>AXISNAME_indices</c> attributes and one
/// calibrated vector per axis with its units. Condenser's normalised and original metadata travel as JSON attributes
/// of the NXdata group, so Condenser reads its own files back exactly; any NeXus reader reads the NXdata.
/// </summary>
public sealed class NexusWriter : IEmWriter
{
    /// <inheritdoc/>
    public string Name => "nexus";

    /// <inheritdoc/>
    public void Write(string path, IReadOnlyList<EmDataset> datasets, WriteOptions? options = null)
    {
        options ??= new WriteOptions();
        lock (Hdf5.Global)
        {
            var first = datasets.FirstOrDefault()?.Metadata ?? new Metadata();
            // Text datasets are recorded as they are made: the file's one string length must hold the longest.
            var texts = new List<string>();
            H5Dataset Text(string s)
            {
                texts.Add(s);
                return new H5Dataset(s);
            }

            var entry = new H5Group
            {
                Attributes = new Dictionary<string, object> { ["NX_class"] = "NXentry", ["default"] = DataName(0, datasets.Count) },
            };
            entry["definition"] = Text("NXem");
            entry["program_name"] = Text(options.Software);
            if (options.Identifier is not null)
            {
                entry["experiment_identifier"] = Text(options.Identifier);
            }

            if (first.Acquired is not null)
            {
                entry["start_time"] = Text(first.Acquired);
            }

            var sample = new H5Group { Attributes = new Dictionary<string, object> { ["NX_class"] = "NXsample" } };
            sample["name"] = Text(options.Sample ?? string.Empty);
            if (options.Elements.Count > 0)
            {
                sample["atom_types"] = Text(string.Join(", ", options.Elements));
            }

            entry["sample"] = sample;
            if (options.Operator is not null)
            {
                var user = new H5Group { Attributes = new Dictionary<string, object> { ["NX_class"] = "NXuser" } };
                user["name"] = Text(options.Operator);
                entry["user1"] = user;
            }

            var instrument = new H5Group { Attributes = new Dictionary<string, object> { ["NX_class"] = "NXinstrument" } };
            instrument["name"] = Text(first.Instrument ?? string.Empty);
            if (first.BeamEnergyKeV is { } kev)
            {
                var source = new H5Group { Attributes = new Dictionary<string, object> { ["NX_class"] = "NXsource" } };
                source["voltage"] = new H5Dataset(kev * 1000) { Attributes = new Dictionary<string, object> { ["units"] = "V" } };
                var column = new H5Group { Attributes = new Dictionary<string, object> { ["NX_class"] = "NXebeam_column" } };
                column["electron_source"] = source;
                instrument["ebeam_column"] = column;
            }

            entry["instrument"] = instrument;
            var writes = new List<Action<H5NativeWriter>>();
            for (int i = 0; i < datasets.Count; i++)
            {
                var ds = datasets[i];
                var attributes = EmdWriter.GroupAttributes(ds);
                attributes.Remove("emd_group_type");
                var names = new List<string>();
                var used = new HashSet<string>(StringComparer.Ordinal) { "data" };
                for (int a = 0; a < ds.Axes.Count; a++)
                {
                    names.Add(EmdWriter.UniqueName(ds.Axes[a].Name.Length > 0 ? ds.Axes[a].Name : $"axis{a}", used));
                }

                attributes["NX_class"] = "NXdata";
                attributes["signal"] = "data";
                attributes["axes"] = string.Join(",", names);
                var data = new H5Group { Attributes = attributes };
                for (int a = 0; a < ds.Axes.Count; a++)
                {
                    var axis = ds.Axes[a];
                    var values = new double[axis.Size];
                    for (int k = 0; k < values.Length; k++)
                    {
                        values[k] = axis.Offset + (k * axis.Scale);
                    }

                    data[names[a]] = new H5Dataset(values) { Attributes = new Dictionary<string, object> { ["units"] = axis.Units } };
                    attributes[names[a] + "_indices"] = a;
                }

                if (attributes.TryGetValue(BerkeleyReader.OriginalAttribute, out var originalJson) && Utf8Length(originalJson) > MaxFixedString)
                {
                    // Every string here is stored at one fixed length (below): a file's long original tree stays in EMD.
                    attributes.Remove(BerkeleyReader.OriginalAttribute);
                }

                writes.Add(EmdWriter.AddData(data, ds, reversed: false));
                entry[DataName(i, datasets.Count)] = data;
            }

            var file = new H5File
            {
                Attributes = new Dictionary<string, object> { ["default"] = "entry1", ["creator"] = options.Software },
            };
            file["entry1"] = entry;
            var tmp = path + ".partial";
            using (var writer = file.BeginWrite(tmp, new H5WriteOptions(DefaultStringLength: FixedStringLength(file, texts))))
            {
                foreach (var w in writes)
                {
                    w(writer);
                }
            }

            File.Move(tmp, path, overwrite: true);
        }
    }

    /// <summary>The longest original-metadata JSON a NeXus file keeps (bytes of UTF-8), as every string is padded to the longest.</summary>
    public const int MaxFixedString = 16 << 10;

    /// <summary>
    /// The one length at which every string of the file is stored: the longest (UTF-8 bytes) plus its terminator.
    /// Fixed-length strings, because HyperSpy 1.7's NeXus reader finds NXdata only where <c>NX_class</c> reads back as
    /// bytes (h5py returns variable-length strings as str), and PureHDF sets string length for a whole file.
    /// </summary>
    private static int FixedStringLength(H5Group root, IEnumerable<string> texts)
    {
        int longest = texts.Select(Utf8Length).DefaultIfEmpty(0).Max();
        void Walk(H5Object o)
        {
            foreach (var v in o.Attributes?.Values ?? Enumerable.Empty<object>())
            {
                longest = Math.Max(longest, Utf8Length(v));
            }

            if (o is H5Group g)
            {
                foreach (var child in g.Values.OfType<H5Object>())
                {
                    Walk(child);
                }
            }
        }

        Walk(root);
        return longest + 1;
    }

    private static int Utf8Length(object? v) => v switch
    {
        string s => System.Text.Encoding.UTF8.GetByteCount(s),
        string[] a => a.Select(x => System.Text.Encoding.UTF8.GetByteCount(x)).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    /// <summary>data1, data2 … zero-padded so that readers listing groups by name keep the datasets' order.</summary>
    private static string DataName(int i, int count) => "data" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length, '0');
}
