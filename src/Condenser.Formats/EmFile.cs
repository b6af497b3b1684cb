using Condenser.Data;

namespace Condenser.Formats;

/// <summary>An open file: its format and the datasets it holds. Disposing it releases mappings and handles.</summary>
public sealed class EmFile : IDisposable
{
    /// <summary>Creates the file object; it owns the datasets.</summary>
    public EmFile(string path, string format, IReadOnlyList<EmDataset> datasets, IDisposable? resource = null)
    {
        Path = path;
        Format = format;
        Datasets = datasets;
        _resource = resource;
    }

    private readonly IDisposable? _resource;

    /// <summary>The file path.</summary>
    public string Path { get; }

    /// <summary>The format name.</summary>
    public string Format { get; }

    /// <summary>The datasets, in file order.</summary>
    public IReadOnlyList<EmDataset> Datasets { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var d in Datasets)
        {
            d.Dispose();
        }

        _resource?.Dispose();
    }
}
