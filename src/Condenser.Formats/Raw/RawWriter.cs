using Condenser.Data;

namespace Condenser.Formats.Raw;

/// <summary>Writes one dataset as raw C-order little-endian bytes plus a JSON sidecar (<c>FILE.json</c>).</summary>
public sealed class RawWriter : IEmWriter
{
    /// <inheritdoc/>
    public string Name => "raw";

    /// <inheritdoc/>
    public void Write(string path, IReadOnlyList<EmDataset> datasets, WriteOptions? options = null)
    {
        if (datasets.Count != 1)
        {
            throw new ArgumentException($"raw files hold one dataset; {datasets.Count} given (choose one with --dataset)");
        }

        var ds = datasets[0];
        var tmp = path + ".partial";
        using (var s = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            ds.ForEachPartition(64L << 20, (_, bytes) => s.Write(bytes));
        }

        File.Move(tmp, path, overwrite: true);
        RawSidecar.Write(path, ds);
    }
}
