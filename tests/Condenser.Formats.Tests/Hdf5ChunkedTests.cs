using System.Runtime.InteropServices;
using System.Text.Json;
using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>
/// Chunked, compressed HDF5 as py4DSTEM and HyperSpy write it, made with Debian's h5py in the test (gzip, shuffle,
/// Fletcher-32; chunks of one frame, several frames, tiles of frames; edge chunks; chunks never written): every frame
/// Condenser reads equals the values h5py wrote, in py4DSTEM's order (as stored) and HyperSpy's (axes reversed).
/// </summary>
public sealed class Hdf5ChunkedTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-h5chunked-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The value h5py_chunked.py writes at flat stored index i (cast to the element type as NumPy casts).</summary>
    private static double Value(long i, string dtype)
    {
        long v = ((i * 7919) + (i >> 7)) % 65521;
        return dtype switch
        {
            "uint8" => (byte)v,
            "float32" or "float64" => v * 0.25,
            _ => v,
        };
    }

    private sealed record Spec(string Name, string Layout, int[] Shape, int[] Chunks, string Dtype, string Filters, double Written = 1, string Libver = "earliest");

    public static TheoryData<string> Cases => [.. Specs.Select(s => s.Name)];

    private static readonly Spec[] Specs =
    [
        new("py4dstem-frame-chunks", "py4dstem", [6, 5, 20, 18], [1, 1, 20, 18], "uint16", "gzip shuffle"),
        new("py4dstem-tiles-of-frames", "py4dstem", [6, 5, 20, 18], [4, 4, 8, 8], "uint16", "gzip shuffle"),
        new("py4dstem-pixel-columns", "py4dstem", [6, 5, 20, 18], [6, 5, 3, 4], "float32", "gzip shuffle fletcher32"),
        new("py4dstem-half-written", "py4dstem", [6, 5, 20, 18], [2, 2, 20, 18], "uint16", "gzip", Written: 0.5),
        new("py4dstem-latest-index", "py4dstem", [6, 5, 20, 18], [2, 3, 10, 9], "int32", "gzip shuffle", Libver: "latest"),
        new("hyperspy-frame-chunks", "hyperspy", [18, 20, 5, 6], [18, 20, 1, 1], "float32", "gzip shuffle"),
        new("hyperspy-chunks-across-frames", "hyperspy", [18, 20, 5, 6], [9, 10, 5, 6], "uint16", "gzip shuffle"),
        new("hyperspy-tiles", "hyperspy", [18, 20, 5, 6], [4, 8, 2, 4], "float64", "gzip"),
        new("hyperspy-stack", "hyperspy", [18, 20, 7], [18, 20, 3], "uint8", "gzip shuffle"),

        // Not chunked: read in blocks of whole rows (two here, the second short), not element by element.
        new("hyperspy-contiguous", "hyperspy", [64, 64, 24, 32], [], "uint16", ""),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryFrameEqualsWhatH5pyWrote(string name) => Check(name);

    /// <summary>
    /// The same with 8 KiB slabs: the arrays are read slab by slab and in batches of slabs or rows, as arrays over
    /// 64 MiB are, instead of whole.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryFrameEqualsWhatH5pyWroteReadInSmallSlabs(string name)
    {
        using var small = Emd.Hdf5Storage.UseSlabBytes(8192);
        Check(name);
    }

    private void Check(string name)
    {
        HyperSpy.RequireInstalled();
        var spec = Specs.Single(s => s.Name == name);
        var path = Write(spec);
        using var file = FormatRegistry.Open(path);
        var ds = Assert.Single(file.Datasets);
        var stored = spec.Shape;
        bool reversed = spec.Layout == "hyperspy";
        var presented = reversed ? stored.Reverse().ToArray() : stored;
        const int signalRank = 2;
        Assert.Equal(presented[..^signalRank], ds.Shape.Navigation.ToArray());
        Assert.Equal(presented[^signalRank..], ds.Shape.Signal.ToArray());

        int writtenRows = (int)Math.Round(stored[0] * spec.Written);
        var frame = new byte[ds.FrameBytes];
        var storedStrides = Emd.Hdf5ChunkedReader.COrderStrides([.. stored.Select(d => (ulong)d)]);
        var presentedStrides = Emd.Hdf5ChunkedReader.COrderStrides([.. presented.Select(d => (ulong)d)]);
        var index = new long[presented.Length];
        for (long f = 0; f < ds.FrameCount; f++)
        {
            ds.ReadFrame(f, frame);
            for (long e = 0; e < ds.Shape.SignalCount; e++)
            {
                // The presented index of this element, then its stored index.
                long p = (f * ds.Shape.SignalCount) + e;
                for (int a = 0; a < presented.Length; a++)
                {
                    index[a] = p / presentedStrides[a] % presented[a];
                }

                long s = 0;
                for (int a = 0; a < stored.Length; a++)
                {
                    s += (reversed ? index[stored.Length - 1 - a] : index[a]) * storedStrides[a];
                }

                long storedRow = s / storedStrides[0];
                double expected = storedRow < writtenRows ? Value(s, spec.Dtype) : 7;
                double actual = ds.DType.ReadAsDouble(frame, (int)e);
                if (actual != expected)
                {
                    Assert.Fail($"{name}: frame {f}, element {e} (stored index {s}) is {actual}, h5py wrote {expected}");
                }
            }
        }
    }

    [Fact]
    public void ReadingEveryFrameDecodesEachChunkOnce()
    {
        // Chunks of 4 × 4 frames, read frame by frame in order: before, each chunk was decoded once per slab that
        // touched it (and a HyperSpy-ordered file chunked across frames was refused as a chunk-index runaway).
        HyperSpy.RequireInstalled();
        foreach (var spec in Specs.Where(s => s.Name is "py4dstem-tiles-of-frames" or "hyperspy-chunks-across-frames"))
        {
            var path = Write(spec);
            long before = Emd.Hdf5ChunkedReader.DecodesOnThisThread;
            using var file = FormatRegistry.Open(path);
            var ds = file.Datasets[0];
            var all = ds.ReadAll();
            Assert.Equal(ds.FrameCount * ds.FrameBytes, all.Length);
            var chunks = spec.Shape.Zip(spec.Chunks, (n, c) => (n + c - 1) / c).Aggregate(1, (a, b) => a * b);
            Assert.Equal(chunks, Emd.Hdf5ChunkedReader.DecodesOnThisThread - before);
        }
    }

    private string Write(Spec spec)
    {
        var path = Path.Combine(_dir, spec.Name + ".emd");
        var list = Path.Combine(_dir, spec.Name + ".json");
        File.WriteAllText(list, JsonSerializer.Serialize(new[]
        {
            new
            {
                path,
                layout = spec.Layout,
                shape = spec.Shape,
                chunks = spec.Chunks,
                dtype = spec.Dtype,
                filters = spec.Filters,
                written = spec.Written,
                libver = spec.Libver,
            },
        }));
        var (code, _, err) = HyperSpy.Run(Path.Combine(AppContext.BaseDirectory, "h5py_chunked.py"), list);
        Assert.True(code == 0, "h5py_chunked.py failed: " + err);
        return path;
    }
}
