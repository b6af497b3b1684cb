using Condenser.Data;

namespace Condenser.Formats.Tiff;

public sealed class TiffFormat : IEmFormat
{
    public string Name => "tiff";

    public string Description => "Tiff";

    public IReadOnlyList<string> Extensions { get; } = [];

    public bool TryDetect(ReadOnlySpan<byte> header) => false;

    public EmFile Open(string path, OpenOptions? options = null) => throw new EmFileException(path, -1, "TODO");
}
