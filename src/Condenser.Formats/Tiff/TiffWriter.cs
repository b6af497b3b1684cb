using Condenser.Data;

namespace Condenser.Formats.Tiff;

public sealed class TiffWriter : IEmWriter
{
    public string Name => "tiff";

    public void Write(string path, IReadOnlyList<EmDataset> datasets, WriteOptions? options = null) => throw new NotImplementedException();
}
