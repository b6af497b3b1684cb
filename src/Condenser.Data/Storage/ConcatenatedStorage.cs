namespace Condenser.Data.Storage;

/// <summary>Arrays of equal size stacked along a new leading axis (a depth series written as one group per depth).</summary>
public sealed class ConcatenatedStorage : ArrayStorage
{
    private readonly ArrayStorage[] _parts;
    private readonly long _partBytes;

    /// <summary>Stacks the parts; they must all hold the same number of bytes. The storage owns them.</summary>
    public ConcatenatedStorage(IReadOnlyList<ArrayStorage> parts)
    {
        _parts = parts.ToArray();
        _partBytes = _parts.Length == 0 ? 0 : _parts[0].ByteLength;
        if (_parts.Any(p => p.ByteLength != _partBytes))
        {
            throw new ArgumentException("stacked arrays must have the same size");
        }

        ByteLength = _partBytes * _parts.Length;
    }

    /// <inheritdoc/>
    public override long ByteLength { get; }

    /// <inheritdoc/>
    public override void Read(long byteOffset, Span<byte> destination)
    {
        CheckRange(byteOffset, destination.Length);
        while (!destination.IsEmpty)
        {
            int part = (int)(byteOffset / _partBytes);
            long within = byteOffset % _partBytes;
            int n = (int)Math.Min(destination.Length, _partBytes - within);
            _parts[part].Read(within, destination[..n]);
            destination = destination[n..];
            byteOffset += n;
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        foreach (var p in _parts)
        {
            p.Dispose();
        }
    }
}
