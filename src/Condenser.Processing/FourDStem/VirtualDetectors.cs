using Condenser.Data;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>
/// Virtual detectors: for each scan position, the sum of the pattern over each detector region (bright field disk,
/// annulus, arbitrary mask). Several detectors are computed in one pass over the data.
/// </summary>
public sealed class VirtualDetectors : IFrameReducer
{
    private readonly PixelSpan[][] _detectors;
    private readonly Func<long, (int Y, int X)>? _shiftOf;
    private readonly Dictionary<(int, int), (PixelSpan[][] Spans, MaskVectors[]? Masks)> _shifted = [];
    private (int, int) _lastShift = (int.MinValue, 0);
    private (PixelSpan[][] Spans, MaskVectors[]? Masks) _last;

    /// <summary>Creates the reduction; <see cref="Images"/>[d][scan position] will hold detector d's values.</summary>
    /// <param name="detectors">Each detector's pixels.</param>
    /// <param name="positions">Scan positions.</param>
    /// <param name="shiftOf">
    /// Optional descan correction: the whole-pixel shift (rows, columns) of the pattern at a scan position; each
    /// detector moves with it (pixels shifted off the detector are dropped).
    /// </param>
    public VirtualDetectors(IReadOnlyList<PixelSpan[]> detectors, long positions, Func<long, (int Y, int X)>? shiftOf = null)
    {
        _detectors = detectors.ToArray();
        _shiftOf = shiftOf;
        Images = _detectors.Select(_ => new double[positions]).ToArray();
    }

    /// <summary>The detectors moved by a shift, and for uint16 frames their block lists (built once per shift).</summary>
    private (PixelSpan[][] Spans, MaskVectors[]? Masks) At((int Y, int X) shift, EmDataset dataset)
    {
        if (shift == _lastShift)
        {
            return _last;
        }

        if (!_shifted.TryGetValue(shift, out var entry))
        {
            int h = dataset.Shape.Signal[0], w = dataset.Shape.Signal[1];
            var spans = shift == (0, 0) ? _detectors : _detectors.Select(d => PixelSpans.Shift(d, h, w, shift.Y, shift.X)).ToArray();
            var masks = dataset.DType == DType.UInt16 ? spans.Select(d => new MaskVectors(d, h * w)).ToArray() : null;
            entry = (spans, masks);
            _shifted[shift] = entry;
        }

        _lastShift = shift;
        _last = entry;
        return entry;
    }

    /// <summary>One image per detector, flattened over the scan (C order).</summary>
    public double[][] Images { get; }

    /// <inheritdoc/>
    public IFrameReducer CreatePartial() => new VirtualDetectors(_detectors, Images[0].LongLength, _shiftOf);

    /// <inheritdoc/>
    public void Process(EmDataset dataset, long firstFrame, ReadOnlySpan<byte> frames)
    {
        int frameBytes = (int)dataset.FrameBytes;
        int n = frames.Length / frameBytes;
        for (int f = 0; f < n; f++)
        {
            var frame = frames.Slice(f * frameBytes, frameBytes);
            if (_detectors.Length > 1 && f + 1 < n)
            {
                FrameKernels.Prefetch(frames.Slice((f + 1) * frameBytes, frameBytes));
            }

            var (detectors, masks) = At(_shiftOf?.Invoke(firstFrame + f) ?? (0, 0), dataset);
            for (int d = 0; d < _detectors.Length; d++)
            {
                Images[d][firstFrame + f] = masks is not null
                    ? masks[d].Sum(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(frame))
                    : FrameKernels.SpanSum(dataset.DType, frame, detectors[d]);
            }
        }
    }

    /// <inheritdoc/>
    public void Merge(IFrameReducer other)
    {
        // Each scan position is written by exactly one partial: the others hold zeros there.
        var o = (VirtualDetectors)other;
        for (int d = 0; d < Images.Length; d++)
        {
            var mine = Images[d];
            var theirs = o.Images[d];
            for (long i = 0; i < mine.LongLength; i++)
            {
                mine[i] += theirs[i];
            }
        }
    }

    /// <inheritdoc/>
    public void Complete(EmDataset dataset)
    {
    }
}
