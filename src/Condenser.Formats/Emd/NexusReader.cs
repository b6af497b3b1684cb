using Condenser.Data;
using PureHDF;

namespace Condenser.Formats.Emd;

/// <summary>NeXus: every NXdata group's signal dataset, with the axes its <c>axes</c> attribute names where they are 1-d.</summary>
internal static class NexusReader
{
    public static bool IsNexus(IH5Group root) => root.Children().OfType<IH5Group>().Any(g => Hdf5.AttrString(g, "NX_class") == "NXentry");

    public static List<EmDataset> Read(string path, IH5Group root, Lock gate)
    {
        var sets = new List<EmDataset>();
        foreach (var (p, g) in Hdf5.Groups(root, _ => true))
        {
            if (Hdf5.AttrString(g, "NX_class") == "NXdata" && Signal(g) is { } signal && Build(path, p, g, signal, gate) is { } ds)
            {
                sets.Add(ds);
            }
        }

        return sets;
    }

    private static IH5Dataset? Signal(IH5Group g)
    {
        if (Hdf5.AttrString(g, "signal") is { } name && g.LinkExists(name) && g.Get(name) is IH5Dataset d)
        {
            return d;
        }

        return g.Children().OfType<IH5Dataset>().FirstOrDefault(d => Hdf5.AttrString(d, "signal") is "1" or "true");
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
        var axisNames = (Hdf5.AttrString(group, "axes") ?? string.Empty).Split([',', ':', ' '], StringSplitOptions.RemoveEmptyEntries);
        var axes = new List<Axis>();
        for (int i = 0; i < shape.Length; i++)
        {
            double scale = 1, offset = 0;
            string units = string.Empty, name = i < axisNames.Length && axisNames[i] != "." ? axisNames[i] : string.Empty;
            if (name.Length > 0 && group.LinkExists(name) && group.Get(name) is IH5Dataset a && Hdf5.Vector(a) is { Length: > 0 } v && v.Length == shape[i])
            {
                offset = v[0];
                scale = v.Length > 1 ? v[1] - v[0] : 1;
                units = Hdf5.AttrString(a, "units") ?? string.Empty;
            }

            axes.Add(new Axis(name, shape[i], scale, offset, units));
        }

        int nav = shape.Length >= 3 ? shape.Length - 2 : 0;
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
