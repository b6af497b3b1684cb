using Condenser.Data;

namespace Condenser.Formats.Emd;

public sealed class EmdFormat : IEmFormat
{
    public string Name => "emd";

    public string Description => "Emd";

    public IReadOnlyList<string> Extensions { get; } = [];

    public bool TryDetect(ReadOnlySpan<byte> header) => false;

    public EmFile Open(string path, OpenOptions? options = null) => throw new EmFileException(path, -1, "TODO");
}
