using Condenser.Data;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>
/// NeXus: every NXdata group's signal dataset, the file's default NXdata first. The signal is named by the group's
/// <c>signal</c> attribute, or (older files) carries <c>signal=1</c> itself, or is the dataset called <c>data</c>;
/// axes come from the group's <c>axes</c> list and <c>AXISNAME_indices</c>, the signal's older <c>axes</c> string, or
/// axis datasets numbered by their <c>axis</c> attribute.
/// </summary>
internal static class NexusReader
{
    private const int MaxDefaultHops = 8;

    public static bool IsNexus(IH5Group root) => root.Children().OfType<IH5Group>().Any(g => Hdf5.AttrString(g, "NX_class") == "NXentry");

    public static List<EmDataset> Read(string path, IH5Group root, Lock gate)
    {
        string? preferred = DefaultPath(root);
        var groups = Hdf5.Groups(root, _ => true)
            .Where(x => Hdf5.AttrString(x.Group, "NX_class") == "NXdata")
            .OrderBy(x => x.Path == preferred ? 0 : 1)
            .ToList();
        var sets = new List<EmDataset>();
        foreach (var (p, g) in groups)
        {
            if (Signal(g) is { } signal && Build(path, p, g, signal, gate) is { } ds)
            {
                sets.Add(ds);
            }
        }

        return sets;
    }

    /// <summary>The NXdata that the <c>default</c> attributes lead to from the root (root → entry → … → NXdata), or null.</summary>
    internal static string? DefaultPath(IH5Group root)
    {
        IH5Group at = root;
        string p = string.Empty;
        for (int hop = 0; hop < MaxDefaultHops; hop++)
        {
            if (Hdf5.AttrString(at, "default") is not { Length: > 0 } name || name.Contains('/') || !at.LinkExists(name) || at.Get(name) is not IH5Group next)
            {
                return null;
            }

            p += "/" + name;
            at = next;
            if (Hdf5.AttrString(at, "NX_class") == "NXdata")
            {
                return p;
            }
        }

        return null;
    }

    private static IH5Dataset? Signal(IH5Group g)
    {
        if (Hdf5.AttrString(g, "signal") is { } name)
        {
            if (g.LinkExists(name) && g.Get(name) is IH5Dataset named)
            {
                return named;
            }

            // An integer signal attribute on the group (NeXus before 2014) means the dataset "data".
            if (double.TryParse(name, System.Globalization.CultureInfo.InvariantCulture, out _) && g.LinkExists("data") && g.Get("data") is IH5Dataset data)
            {
                return data;
            }
        }

        return g.Children().OfType<IH5Dataset>().FirstOrDefault(d => Hdf5.AttrString(d, "signal") is "1" or "true")
            ?? (g.LinkExists("data") && g.Get("data") is IH5Dataset fallback ? fallback : null);
    }

    /// <summary>The axis dataset named for each dimension of the signal (null where none is).</summary>
    private static string?[] AxisNames(IH5Group group, IH5Dataset signal, int rank)
    {
        var names = new string?[rank];
        void Put(int dim, string name)
        {
            if (dim >= 0 && dim < rank && names[dim] is null && name != "." && group.LinkExists(name) && group.Get(name) is IH5Dataset)
            {
                names[dim] = name;
            }
        }

        // NeXus 2014: one entry per dimension ("." for none); AXISNAME_indices says which dimension an axis is.
        if (Hdf5.AttrStrings(group, "axes") is { } list)
        {
            for (int i = 0; i < list.Length; i++)
            {
                Put(Hdf5.AttrDouble(group, list[i] + "_indices") is { } d ? (int)d : i, list[i]);
            }
        }

        foreach (var a in group.Attributes().Where(a => a.Name.EndsWith("_indices", StringComparison.Ordinal)))
        {
            if (Hdf5.AttrDouble(group, a.Name) is { } d)
            {
                Put((int)d, a.Name[..^"_indices".Length]);
            }
        }

        // Before 2014: the signal's own "axes" ("x:y" or "x,y", slowest first), or axis datasets numbered 1, 2, … by "axis".
        if (Hdf5.AttrStrings(signal, "axes") is { } old)
        {
            for (int i = 0; i < old.Length; i++)
            {
                Put(i, old[i]);
            }
        }

        foreach (var d in group.Children().OfType<IH5Dataset>().OrderByDescending(d => Hdf5.AttrString(d, "primary") == "1"))
        {
            if (Hdf5.AttrDouble(d, "axis") is { } k)
            {
                Put((int)k - 1, d.Name);
            }
        }

        return names;
    }

    /// <summary>
    /// A calibrated axis from an axis dataset: its values are point positions (length n) or bin edges (n + 1, taken at
    /// the bin centres); a linear axis gives scale and offset, a non-linear one stays in index units.
    /// </summary>
    private static Axis AxisFrom(IH5Group group, string? name, int size)
    {
        if (name is null || group.Get(name) is not IH5Dataset a || Hdf5.Vector(a) is not { } v || (v.Length != size && v.Length != size + 1))
        {
            return new Axis(name ?? string.Empty, size);
        }

        if (v.Length == size + 1)
        {
            v = Enumerable.Range(0, size).Select(i => (v[i] + v[i + 1]) / 2).ToArray();
        }

        string units = Hdf5.AttrString(a, "units") ?? string.Empty;
        if (size == 1)
        {
            return double.IsFinite(v[0]) ? new Axis(name, 1, 1, v[0], units) : new Axis(name, 1);
        }

        double step = (v[^1] - v[0]) / (size - 1);
        bool linear = step != 0 && double.IsFinite(step);
        for (int i = 0; linear && i < size; i++)
        {
            linear = Math.Abs(v[i] - (v[0] + (i * step))) <= 1e-3 * Math.Abs(step);
        }

        return linear ? new Axis(name, size, step, v[0], units) : new Axis(name, size);
    }

    private static EmDataset? Build(string path, string groupPath, IH5Group group, IH5Dataset signal, Lock gate)
    {
        if (Hdf5.TypeOf(signal) is not { } type)
        {
            return null;
        }

        Hdf5.CheckSize(path, signal, type);

        var dims = signal.Space.Dimensions;
        var shape = dims.Select(d => checked((int)d)).ToArray();
        var axisNames = AxisNames(group, signal, shape.Length);
        var axes = shape.Select((n, i) => AxisFrom(group, axisNames[i], n)).ToList();

        // The group's interpretation (spectrum, image) says how many trailing dimensions are the signal.
        int nav = Hdf5.AttrString(group, "interpretation") switch
        {
            "spectrum" => Math.Max(0, shape.Length - 1),
            "image" when shape.Length >= 2 => shape.Length - 2,
            _ => shape.Length >= 3 ? shape.Length - 2 : 0,
        };
        var md = new Metadata();
        var original = Hdf5.Attributes(group);
        if (!BerkeleyReader.ReadOwnAttributes(group, shape, ref type, ref axes, ref nav, ref md, ref original))
        {
            md = new Metadata { Title = Hdf5.AttrString(group, "title") ?? group.Name, SignalType = SignalTypeRules.Infer(shape.Length - nav == 1 ? SignalTypes.Spectrum : SignalTypes.Image, nav) };
            original["path"] = groupPath;
        }

        for (int i = 0; i < axes.Count; i++)
        {
            axes[i] = axes[i] with { Navigate = i < nav };
        }

        return new EmDataset(md.Title ?? group.Name, new DatasetShape(shape[..nav], shape[nav..]), axes, type, Hdf5Storage.Stored(signal, dims, type, gate), md, original);
    }
}
