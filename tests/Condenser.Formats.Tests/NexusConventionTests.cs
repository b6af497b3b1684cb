using Condenser.Data;
using PureHDF;

namespace Condenser.Formats.Tests;

/// <summary>
/// NeXus NXdata as the NeXus Manual (v2024, "NXdata" and "Associating plottable data using attributes") and its older
/// conventions write it, on files made here: the group's <c>signal</c> and <c>axes</c> with <c>AXISNAME_indices</c>,
/// a signal's own <c>signal=1</c> and <c>axes="y:x"</c>, axis datasets numbered by <c>axis</c>, <c>default</c>
/// attributes from the root, bin edges, 1-d data and several entries.
/// </summary>
public sealed class NexusConventionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-nexus-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, object> Attrs(params (string Key, object Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    private static H5Group NxData(Dictionary<string, object> attributes) { attributes["NX_class"] = "NXdata"; return new H5Group { Attributes = attributes }; }

    private static H5Group Entry(params (string Name, H5Object Child)[] children)
    {
        var g = new H5Group { Attributes = Attrs(("NX_class", "NXentry")) };
        foreach (var (name, child) in children)
        {
            g[name] = child;
        }

        return g;
    }

    private static double[] Ramp(int n, double offset, double step) => Enumerable.Range(0, n).Select(i => offset + (i * step)).ToArray();

    private static H5Dataset Axis(double[] values, string units) => new(values) { Attributes = Attrs(("units", units)) };

    private EmFile Open(H5File file, string name = "f.nxs")
    {
        var path = Path.Combine(_dir, name);
        file.Write(path);
        return FormatRegistry.Open(path);
    }

    [Fact]
    public void OneDimensionalDataWithTheGroupsSignalAndAxesList()
    {
        var data = NxData(Attrs(("signal", "counts"), ("axes", new[] { "energy" }), ("energy_indices", 0)));
        data["counts"] = new H5Dataset(Ramp(50, 1, 1));
        data["energy"] = Axis(Ramp(50, 100, 0.5), "eV");
        using var f = Open(new H5File { ["entry"] = Entry(("spectrum", data)) });
        var d = Assert.Single(f.Datasets);
        Assert.Equal([50], d.Shape.Dimensions);
        Assert.Equal(("energy", 0.5, 100.0, "eV", false), (d.Axes[0].Name, d.Axes[0].Scale, d.Axes[0].Offset, d.Axes[0].Units, d.Axes[0].Navigate));
        Assert.Equal(SignalTypes.Spectrum, d.Metadata.SignalType);
    }

    [Fact]
    public void AxisNameIndicesPlaceEachAxisOnItsDimension()
    {
        // The axes list names x first, but x_indices puts it on dimension 1 (columns).
        var data = NxData(Attrs(("signal", "data"), ("axes", new[] { "x", "y" }), ("x_indices", 1), ("y_indices", 0)));
        data["data"] = new H5Dataset(new double[3, 4]);
        data["x"] = Axis(Ramp(4, 0, 2), "nm");
        data["y"] = Axis(Ramp(3, 10, 5), "nm");
        using var f = Open(new H5File { ["entry"] = Entry(("image", data)) });
        var a = f.Datasets[0].Axes;
        Assert.Equal(("y", 5.0, 10.0), (a[0].Name, a[0].Scale, a[0].Offset));
        Assert.Equal(("x", 2.0, 0.0), (a[1].Name, a[1].Scale, a[1].Offset));
    }

    [Fact]
    public void OlderFilesTagTheSignalDatasetAndListItsAxesThere()
    {
        var data = NxData(Attrs());
        data["frame"] = new H5Dataset(new float[2, 3]) { Attributes = Attrs(("signal", 1), ("axes", "row:column")) };
        data["row"] = Axis(Ramp(2, 0, 0.1), "um");
        data["column"] = Axis(Ramp(3, 0, 0.2), "um");
        using var f = Open(new H5File { ["entry"] = Entry(("data", data)) });
        var a = f.Datasets[0].Axes;
        Assert.Equal(["row", "column"], a.Select(x => x.Name));
        Assert.Equal([0.1, 0.2], a.Select(x => Math.Round(x.Scale, 9)));
    }

    [Fact]
    public void TheOldestFilesNumberTheirAxisDatasets()
    {
        var data = NxData(Attrs(("signal", 1)));
        data["data"] = new H5Dataset(new double[2, 5]);
        data["t"] = new H5Dataset(Ramp(2, 0, 3)) { Attributes = Attrs(("axis", 1), ("units", "s")) };
        data["q"] = new H5Dataset(Ramp(5, 1, 0.25)) { Attributes = Attrs(("axis", 2), ("primary", 1), ("units", "1/nm")) };
        using var f = Open(new H5File { ["entry"] = Entry(("data", data)) });
        var a = f.Datasets[0].Axes;
        Assert.Equal(["t", "q"], a.Select(x => x.Name));
        Assert.Equal([3.0, 0.25], a.Select(x => x.Scale));
        Assert.Equal(["s", "1/nm"], a.Select(x => x.Units));
    }

    [Fact]
    public void SeveralEntriesAreAllReadAndTheDefaultComesFirst()
    {
        NXdataWith(out var a, "first", 4);
        NXdataWith(out var b, "second", 6);
        NXdataWith(out var c, "third", 8);
        var entry2 = Entry(("other", b), ("plot", c));
        entry2.Attributes!["default"] = "plot";
        var file = new H5File { Attributes = Attrs(("default", "entry2")), ["entry1"] = Entry(("data", a)), ["entry2"] = entry2 };
        using var f = Open(file);
        Assert.Equal(3, f.Datasets.Count);
        Assert.Equal([8], f.Datasets[0].Shape.Dimensions);
        Assert.Equal([4, 6], f.Datasets.Skip(1).Select(d => d.Shape.Dimensions[0]).Order());
    }

    private static void NXdataWith(out H5Group group, string signal, int n)
    {
        group = NxData(Attrs(("signal", signal)));
        group[signal] = new H5Dataset(Ramp(n, 0, 1));
    }

    [Fact]
    public void BinEdgesAreTakenAtTheirCentresAndNonLinearAxesStayInIndices()
    {
        var data = NxData(Attrs(("signal", "data"), ("axes", new[] { "edges", "log" })));
        data["data"] = new H5Dataset(new double[4, 3]);
        data["edges"] = Axis(Ramp(5, 0, 2), "nm");
        data["log"] = Axis([1, 10, 100], "s");
        using var f = Open(new H5File { ["entry"] = Entry(("data", data)) });
        var a = f.Datasets[0].Axes;
        Assert.Equal(("edges", 2.0, 1.0, "nm"), (a[0].Name, a[0].Scale, a[0].Offset, a[0].Units));
        Assert.Equal(("log", 1.0, 0.0, ""), (a[1].Name, a[1].Scale, a[1].Offset, a[1].Units));
    }

    [Fact]
    public void InterpretationSaysWhichDimensionsAreTheSignal()
    {
        var data = NxData(Attrs(("signal", "data"), ("interpretation", "spectrum")));
        data["data"] = new H5Dataset(new double[7, 20]);
        using var f = Open(new H5File { ["entry"] = Entry(("data", data)) });
        var d = f.Datasets[0];
        Assert.Equal([7], d.Shape.Navigation);
        Assert.True(d.Axes[0].Navigate);
        Assert.False(d.Axes[1].Navigate);
    }

    [Fact]
    public void WithoutAnySignalAttributeTheDatasetNamedDataIsTheSignal()
    {
        var data = NxData(Attrs());
        data["data"] = new H5Dataset(new double[3, 3]);
        data["x"] = new H5Dataset(Ramp(3, 0, 1));
        using var f = Open(new H5File { ["entry"] = Entry(("data", data)) });
        Assert.Equal([3, 3], Assert.Single(f.Datasets).Shape.Dimensions);
    }
}
