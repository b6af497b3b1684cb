using Condenser.Data;

namespace Condenser.Formats.Tia;

public sealed class TiaFormat : IEmFormat
{
    public string Name => "tia";

    public string Description => "Tia";

    public IReadOnlyList<string> Extensions { get; } = [];

    public bool TryDetect(ReadOnlySpan<byte> header) => false;

    public EmFile Open(string path, OpenOptions? options = null) => throw new EmFileException(path, -1, "TODO");
}
