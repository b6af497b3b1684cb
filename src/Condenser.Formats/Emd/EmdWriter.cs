using Condenser.Data;

namespace Condenser.Formats.Emd;

public sealed class EmdWriter : IEmWriter
{
    public string Name => "emd";

    public void Write(string path, IReadOnlyList<EmDataset> datasets, WriteOptions? options = null) => throw new NotImplementedException();
}
