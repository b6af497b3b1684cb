namespace Condenser.Data.Storage;

/// <summary>
/// Presents an array with its axes reordered (a DM spectrum image stored energy × y × x read as y × x × energy).
/// Output axis k is input axis <c>order[k]</c>, as numpy's <c>transpose(a, order)</c>.
/// </summary>
public sealed class PermutedStorage : ArrayStorage
{
    private readonly ArrayStorage _inner;
    private readonly long[] _outShape;
    private readonly long[] _inStrideForOut;
    private readonly int _elementSize;

    /// <summary>Creates the view.</summary>
    /// <param name="inner">The array as stored.</param>
    /// <param name="storedShape">Shape as stored, C order.</param>
    /// <param name="order">For each output axis, the stored axis it shows.</param>
    /// <param name="elementSize">Bytes of one element.</param>
    public PermutedStorage(ArrayStorage inner, IReadOnlyList<int> storedShape, IReadOnlyList<int> order, int elementSize)
    {
        _inner = inner;
        _elementSize = elementSize;
        int rank = storedShape.Count;
        var inStrides = new long[rank];
        long s = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            inStrides[i] = s;
            s *= storedShape[i];
        }

        _outShape = order.Select(o => (long)storedShape[o]).ToArray();
        _inStrideForOut = order.Select(o => inStrides[o]).ToArray();
        ByteLength = inner.ByteLength;
        int r = storedShape.Count;
        _firstAxisLast = r >= 2 && order[r - 1] == 0 && Enumerable.Range(1, r - 1).SequenceEqual(order.Take(r - 1));
        _slowSize = storedShape[0];
        _restSize = ByteLength / elementSize / Math.Max(1, _slowSize);
    }

    private readonly bool _firstAxisLast;
    private readonly long _slowSize;
    private readonly long _restSize;

    /// <inheritdoc/>
    public override long ByteLength { get; }

    /// <inheritdoc/>
    public override void Read(long byteOffset, Span<byte> destination)
    {
        CheckRange(byteOffset, destination.Length);
        if (byteOffset % _elementSize != 0 || destination.Length % _elementSize != 0)
        {
            throw new ArgumentException("reads of a permuted array must be whole elements");
        }

        long first = byteOffset / _elementSize;
        long count = destination.Length / _elementSize;
        if (_firstAxisLast && first % _slowSize == 0 && count % _slowSize == 0 && _inner.ByteLength > 256L << 20)
        {
            // A spectrum image stored E × (y·x) read as (y·x) × E: one contiguous run of the stored array per energy
            // channel, scattered into place; memory stays at one run.
            ReadFirstAxisLast(first / _slowSize, count / _slowSize, destination);
            return;
        }

        // Read the whole stored array once into a buffer when small enough; gather element by element otherwise.
        int rank = _outShape.Length;
        var index = new long[rank];
        long rem = first;
        for (int k = rank - 1; k >= 0; k--)
        {
            index[k] = rem % _outShape[k];
            rem /= _outShape[k];
        }

        Span<byte> one = stackalloc byte[_elementSize];
        byte[]? whole = _inner.ByteLength <= 256L << 20 ? Cache() : null;
        for (long e = 0; e < count; e++)
        {
            long src = 0;
            for (int k = 0; k < rank; k++)
            {
                src += index[k] * _inStrideForOut[k];
            }

            var dst = destination.Slice((int)(e * _elementSize), _elementSize);
            if (whole is not null)
            {
                whole.AsSpan((int)(src * _elementSize), _elementSize).CopyTo(dst);
            }
            else
            {
                _inner.Read(src * _elementSize, dst);
            }

            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < _outShape[k])
                {
                    break;
                }

                index[k] = 0;
            }
        }
    }

    private void ReadFirstAxisLast(long firstFrame, long frames, Span<byte> destination)
    {
        int size = _elementSize;
        var run = new byte[frames * size];
        for (long e = 0; e < _slowSize; e++)
        {
            _inner.Read(((e * _restSize) + firstFrame) * size, run);
            for (long f = 0; f < frames; f++)
            {
                run.AsSpan((int)(f * size), size).CopyTo(destination.Slice((int)(((f * _slowSize) + e) * size), size));
            }
        }
    }

    private byte[]? _cache;

    private readonly Lock _cacheGate = new();

    /// <summary>The stored array, read once; parallel readers share it.</summary>
    private byte[] Cache()
    {
        lock (_cacheGate)
        {
            if (_cache is null)
            {
                var b = new byte[_inner.ByteLength];
                _inner.Read(0, b);
                _cache = b;
            }

            return _cache;
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing) => _inner.Dispose();
}
