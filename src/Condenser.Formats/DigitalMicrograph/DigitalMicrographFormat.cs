using System.Globalization;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.DigitalMicrograph;

/// <summary>
/// Gatan DigitalMicrograph DM3 and DM4: every data type (incl. packed complex FFTs and RGB), 1-4 dimensions,
/// spectra, spectrum images (presented y × x | energy), stacks, and several images in one file.
/// </summary>
public sealed class DigitalMicrographFormat : IEmFormat
{
    /// <inheritdoc/>
    public string Name => "digitalmicrograph";

    /// <inheritdoc/>
    public string Description => "Gatan DigitalMicrograph DM3 / DM4";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".dm3", ".dm4"];

    /// <inheritdoc/>
    public bool TryDetect(ReadOnlySpan<byte> header)
    {
        if (header.Length < 24)
        {
            return false;
        }

        int v = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header);
        if (v == 3)
        {
            int order = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[8..]);
            return order is 0 or 1 && header[12] <= 1 && header[13] <= 1;
        }

        if (v == 4)
        {
            int order = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[12..]);
            return order is 0 or 1 && header[16] <= 1 && header[17] <= 1;
        }

        return false;
    }

    /// <inheritdoc/>
    public EmFile Open(string path, OpenOptions? options = null)
    {
        using var file = new MappedFile(path);
        var (root, little, version) = DmTagReader.Read(file);
        if (root.Get("ImageList") is not MetadataTree list)
        {
            throw new EmFileException(path, -1, "the file has no ImageList");
        }

        var thumbnails = new HashSet<long>();
        if (root.Get("Thumbnails") is MetadataTree thumbs)
        {
            foreach (var (_, t) in thumbs.Items)
            {
                if (t is MetadataTree tt && tt.GetDouble("ImageIndex") is { } idx)
                {
                    thumbnails.Add((long)idx);
                }
            }
        }

        var datasets = new List<EmDataset>();
        try
        {
            int index = -1;
            foreach (var (_, item) in list.Items)
            {
                index++;
                if (thumbnails.Contains(index) || item is not MetadataTree image)
                {
                    continue;
                }

                datasets.Add(DmImage.Build(path, file, image, little, root, version));
            }
        }
        catch
        {
            foreach (var d in datasets)
            {
                d.Dispose();
            }

            throw;
        }

        if (datasets.Count == 0)
        {
            throw new EmFileException(path, -1, "the file holds no image besides thumbnails");
        }

        return new EmFile(path, Name, datasets);
    }
}
