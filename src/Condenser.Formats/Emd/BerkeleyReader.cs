using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Data;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// Berkeley EMD v0.2 (data groups marked <c>emd_group_type = 1</c> with <c>data</c> and <c>dim1..dimN</c>) and EMD 1.0
/// as py4DSTEM writes it (groups marked <c>emd_group_type = "array"</c> with <c>data</c> and <c>dim0..dimN-1</c>).
/// </summary>
internal static partial class BerkeleyReader
{
    /// <summary>Attribute holding Condenser's normalised metadata as JSON (written by <see cref="EmdWriter"/>).</summary>
    public const string MetadataAttribute = "condenser_metadata";

    /// <summary>Attribute holding the original metadata tree as JSON.</summary>
    public const string OriginalAttribute = "condenser_original_metadata";

    public static List<EmDataset> Read(string path, IH5Group root, Lock gate)
    {
        var found = DataGroups(root);
        var order = found.Select(f => Hdf5.AttrDouble(f.Group, "condenser_index")).ToList();
        if (order.All(o => o is not null))
        {
            // Written by Condenser: back in the order it wrote them.
            found = found.Zip(order).OrderBy(p => p.Second).Select(p => p.First).ToList();
        }

        var sets = new List<EmDataset>();
        bool prismatic = root.LinkExists("4DSTEM_simulation");
        for (int i = 0; i < found.Count; i++)
        {
            var (groupPath, group, emd1) = found[i];
            var depth = DepthSuffix().Match(groupPath);
            if (prismatic && depth.Success)
            {
                // Prismatic writes one group per output depth (name0000, name0001, ...): one dataset with a depth axis.
                string stem = groupPath[..depth.Index];
                var members = new List<IH5Group> { group };
                while (i + 1 < found.Count && found[i + 1].Path.StartsWith(stem, StringComparison.Ordinal) && DepthSuffix().IsMatch(found[i + 1].Path))
                {
                    members.Add(found[++i].Group);
                }

                if (members.Count > 1)
                {
                    if (Stack(path, stem, members, root, gate) is { } stacked)
                    {
                        sets.Add(stacked);
                    }

                    continue;
                }
            }

            if (Build(path, groupPath, group, emd1, root, gate) is { } ds)
            {
                if (prismatic && depth.Success && ds.Metadata.Title == group.Name)
                {
                    // A single depth group is named for its output, as a stack of several is.
                    ds.Metadata.Title = DepthTitle(groupPath[..depth.Index]);
                }

                sets.Add(ds);
            }
        }

        return sets;
    }

    /// <summary>The data groups of an EMD file: v0.2 (<c>emd_group_type = 1</c>) or 1.0 (<c>"array"</c>).</summary>
    private static List<(string Path, IH5Group Group, bool Emd1)> DataGroups(IH5Group root)
    {
        static bool? Kind(IH5Group g) => Hdf5.AttrString(g, "emd_group_type") switch
        {
            "1" when DataSet(g) is not null => false,
            "array" when g.LinkExists("data") => true,
            _ => null,
        };

        // Data groups and metadata are not searched further; any other group (HyperSpy's "signals" is marked 1 too).
        return Hdf5.Groups(root, g => Kind(g) is null && Hdf5.AttrString(g, "emd_group_type") is not ("metadatabundle" or "metadata"))
            .Select(x => (x.Path, x.Group, Emd1: Kind(x.Group)))
            .Where(x => x.Emd1 is not null)
            .Select(x => (x.Path, x.Group, x.Emd1!.Value))
            .ToList();
    }

    private static EmDataset? Build(string path, string groupPath, IH5Group group, bool emd1, IH5Group root, Lock gate)
    {
        if (DataSet(group) is not { } data || Hdf5.TypeOf(data) is not { } type)
        {
            return null;
        }

        Hdf5.CheckSize(path, data, type);

        // EMD v0.2 lists dimensions fastest first in practice (HyperSpy and Prismatic write them so, and HyperSpy
        // reads them transposed); 4D "datacube" arrays, py4DSTEM's own files (up to 0.13: everything under
        // /4DSTEM_experiment: the scan axes first, dim1 naming the first stored axis) and EMD 1.0 arrays are stored in
        // presentation order. HyperSpy 1.7 transposes py4DSTEM's files too.
        bool py4dstem = groupPath.StartsWith("/4DSTEM_experiment/", StringComparison.Ordinal);
        bool transpose = !emd1 && !py4dstem && data.Name != "datacube";
        var stored = data.Space.Dimensions;
        var dims = transpose ? stored.Reverse().ToArray() : stored;
        var shape = dims.Select(d => d > int.MaxValue ? throw new EmFileException(path, -1, $"{groupPath}: dimension {d} is too large") : (int)d).ToArray();
        var axes = new List<Axis>();
        for (int i = 0; i < shape.Length; i++)
        {
            string dimName = emd1 ? $"dim{i}" : transpose ? $"dim{shape.Length - i}" : $"dim{i + 1}";
            string name = string.Empty, units = string.Empty;
            double scale = 1, offset = 0;
            if (group.LinkExists(dimName) && group.Get(dimName) is IH5Dataset dim)
            {
                name = Hdf5.AttrString(dim, "name") ?? string.Empty;
                units = NormaliseUnits(Hdf5.AttrString(dim, "units") ?? string.Empty);
                if (Hdf5.Vector(dim, 1 << 24) is { Length: > 0 } v)
                {
                    // The mean step, as HyperSpy takes it (float32 vectors are rarely exactly uniform).
                    offset = v[0];
                    scale = v.Length > 1 ? (v[^1] - v[0]) / (v.Length - 1) : 1;
                }
            }

            axes.Add(new Axis(name, shape[i], scale, offset, units));
        }

        // Condenser's own files say which axes navigate; otherwise: all but the last two (rank ≥ 3).
        var md = new Metadata();
        MetadataTree original = Hdf5.Attributes(group);
        int navCount = shape.Length >= 3 ? shape.Length - 2 : 0;
        if (!ReadOwnAttributes(group, shape, ref type, ref axes, ref navCount, ref md, ref original))
        {
            md.Title = Hdf5.AttrString(group, "title") ?? group.Name;
            string kind = shape.Length - navCount == 1 ? SignalTypes.Spectrum
                : emd1 || (py4dstem && navCount > 0) || axes.Skip(navCount).Any(a => a.Units.StartsWith("1/", StringComparison.Ordinal) || a.Units == "mrad") ? SignalTypes.Diffraction
                : SignalTypes.Image;
            md.SignalType = SignalTypeRules.Infer(kind, navCount);
            ReadCalibrations(root, original);
        }

        for (int i = 0; i < axes.Count; i++)
        {
            axes[i] = axes[i] with { Navigate = i < navCount };
        }

        var storage = transpose && shape.Length > 1
            ? Hdf5Storage.Reversed(data, stored, shape.Length - navCount, type, gate)
            : Hdf5Storage.Stored(data, stored, type, gate);
        var ds = new DatasetShape(shape[..navCount], shape[navCount..]);
        return new EmDataset(md.Title ?? group.Name, ds, axes, type, storage, md, original);
    }

    /// <summary>The data dataset of an EMD group: "data", or the array Prismatic and py4DSTEM name by kind.</summary>
    private static IH5Dataset? DataSet(IH5Group g)
    {
        if (g.LinkExists("data") && g.Get("data") is IH5Dataset d)
        {
            return d;
        }

        string[] kinds = ["counted_datacube", "datacube", "diffractionslice", "realslice"];
        return g.Children().OfType<IH5Dataset>().FirstOrDefault(c => kinds.Any(k => c.Name.StartsWith(k, StringComparison.Ordinal)));
    }

    /// <summary>Stacks Prismatic depth groups; the depth axis is calibrated from the simulation parameters when uniform.</summary>
    private static EmDataset? Stack(string path, string stem, List<IH5Group> members, IH5Group root, Lock gate)
    {
        var parts = members.Select(m => Build(path, stem, m, false, root, gate)).ToList();
        if (parts.Any(p => p is null) || parts.Select(p => p!.Shape).Distinct().Count() != 1)
        {
            foreach (var p in parts)
            {
                p?.Dispose();
            }

            return null;
        }

        var first = parts[0]!;
        var sim = SimulationParameters(root);
        double scale = 1, offset = 0;
        string units = string.Empty;
        if (sim is not null)
        {
            double slice = (sim.GetDouble("ns") ?? 1) * (sim.GetDouble("s") ?? 1);
            double z0 = sim.GetDouble("zs") ?? 0;
            double total = (sim.Get("t") is object[] { Length: 3 } t ? Convert.ToDouble(t[2], CultureInfo.InvariantCulture) : 0)
                * (sim.Get("c") is object[] { Length: >= 1 } c ? Convert.ToDouble(c[0], CultureInfo.InvariantCulture) : 0);
            if (Math.Abs(total - (members.Count * slice)) <= 1e-4 * Math.Abs(total))
            {
                scale = slice;
                offset = z0 == 0 ? slice : z0;
                units = "Å";
            }
        }

        string name = Path.GetFileName(stem.TrimEnd('/'));
        var axes = new List<Axis> { new(name, members.Count, scale, offset, units, true) };
        axes.AddRange(first.Axes.Select(a => a));
        int nav = first.Shape.Navigation.Count + 1;
        for (int i = 0; i < axes.Count; i++)
        {
            axes[i] = axes[i] with { Navigate = i < nav };
        }

        var md = first.Metadata.Clone();
        md.Title = DepthTitle(stem);
        md.SignalType = SignalTypeRules.Infer(first.Shape.Signal.Count == 1 ? SignalTypes.Spectrum : SignalTypes.Image, nav);
        var storage = new Data.Storage.ConcatenatedStorage(parts.Select(p => p!.Storage).ToList());
        var shape = new DatasetShape([members.Count, .. first.Shape.Navigation], first.Shape.Signal);
        return new EmDataset(md.Title, shape, axes, first.DType, storage, md, first.OriginalMetadata);
    }

    private static MetadataTree? SimulationParameters(IH5Group root)
    {
        const string at = "4DSTEM_simulation/metadata/metadata_0/original/simulation_parameters";
        try
        {
            var g = root.Group(at);
            var t = new MetadataTree();
            foreach (var a in g.Attributes())
            {
                object? v = a.Type.Class switch
                {
                    H5DataTypeClass.String or H5DataTypeClass.VariableLength => Hdf5.AttrString(g, a.Name),
                    _ when a.Space.Dimensions.Length == 1 && a.Space.Dimensions[0] <= 16 => ReadVector(a),
                    _ => Hdf5.AttrDouble(g, a.Name),
                };
                t[a.Name] = v;
            }

            return t;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    private static object[]? ReadVector(IH5Attribute a)
    {
        try
        {
            return a.Type.Class == H5DataTypeClass.FloatingPoint
                ? (a.Type.Size == 4 ? a.Read<float[]>().Select(x => (object)(double)x) : a.Read<double[]>().Select(x => (object)x)).ToArray()
                : a.Read<long[]>().Select(x => (object)(double)x).ToArray();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>"…/virtual_detector_depth0000" → "virtual_detector": the output's name without its depth suffix (as HyperSpy titles it).</summary>
    private static string DepthTitle(string stem) => Path.GetFileName(stem.TrimEnd('/')).TrimEnd('_');

    [System.Text.RegularExpressions.GeneratedRegex(@"depth\d{4}$")]
    private static partial System.Text.RegularExpressions.Regex DepthSuffix();

    private static void ReadCalibrations(IH5Group root, MetadataTree original)
    {
        foreach (var name in new[] { "microscope", "sample", "user", "comments" })
        {
            if (root.LinkExists(name) && root.Get(name) is IH5Group g)
            {
                original[name] = Hdf5.Attributes(g);
            }
        }
    }

    /// <summary>EMD and py4DSTEM unit spellings to plain symbols ("[n_m]" → nm, "A^-1" → 1/Å).</summary>
    public static string NormaliseUnits(string units)
    {
        var u = units.Trim();
        if (u.StartsWith('[') && u.EndsWith(']'))
        {
            u = u[1..^1].Replace("_", string.Empty, StringComparison.Ordinal);
        }

        return u switch
        {
            "A^-1" or "A-1" or "1/A" => "1/Å",
            "A" or "Angstrom" => "Å",
            "pixels" or "pixel" => string.Empty,
            "nm^-1" => "1/nm",
            "um" => "µm",
            _ => u,
        };
    }

    /// <summary>
    /// Condenser's own JSON attributes on a group it wrote (EMD or NeXus): normalised metadata, navigation count, the
    /// element type, exact axes and the original metadata. False when the group has none.
    /// </summary>
    internal static bool ReadOwnAttributes(IH5Group group, int[] shape, ref DType type, ref List<Axis> axes, ref int navCount, ref Metadata md, ref MetadataTree original)
    {
        if (Hdf5.AttrString(group, MetadataAttribute) is not { } json || JsonNode.Parse(json) is not JsonObject o)
        {
            return false;
        }

        md = MetadataJson.ReadNormalised(o["metadata"]!.AsObject());
        navCount = o["navigation_dims"]?.GetValue<int>() ?? navCount;
        if (o["dtype"]?.GetValue<string>() is { } written && DTypeInfo.TryParse(written, out var w) && w.Size() == type.Size() && !w.IsComplex())
        {
            // bool and RGB(A) are stored as uint8.
            type = w;
        }

        if (o["axes"] is JsonArray writtenAxes && MetadataJson.ReadAxes(writtenAxes) is { } exact && exact.Count == axes.Count && exact.Select(a => a.Size).SequenceEqual(shape))
        {
            // Condenser's own axes, exact (a dim vector of one value cannot carry a scale).
            axes = exact;
        }

        if (Hdf5.AttrString(group, OriginalAttribute) is { } oj && JsonNode.Parse(oj) is JsonObject ot)
        {
            original = MetadataJson.ReadTree(ot);
        }

        return true;
    }
}
