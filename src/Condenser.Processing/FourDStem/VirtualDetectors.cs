using System.Runtime.InteropServices;
using Condenser.Data;
using Condenser.Processing.Kernels;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.FourDStem;

/// <summary>
/// Virtual detectors: for each scan position, the sum of the pattern over each detector region (bright field disk,
/// annulus, arbitrary mask). Several detectors are computed in one pass over the data.
/// </summary>
/// <param name="detectors">Each detector's pixels.</param>
/// <param name="shiftOf">
/// Optional descan correction: the whole-pixel shift (rows, columns) of the pattern at a scan position; each detector
/// moves with it (pixels shifted off the detector are dropped).
/// </param>
public sealed class VirtualDetectors(IReadOnlyList<PixelSpan[]> detectors, Func<long, (int Y, int X)>? shiftOf = null) : IFrameReducer
{
    private readonly PixelSpan[][] _detectors = detectors.ToArray();

    /// <summary>One image per detector, flattened over the scan (C order; NaN at positions a run did not visit).</summary>
    public double[][] Images { get; private set; } = [];

    /// <inheritdoc/>
    public IReadOnlyList<BufferDeclaration> Buffers(FrameLayout layout)
        => _detectors.Select((_, d) => BufferDeclaration.PerPosition($"detector {d}")).ToArray();

    /// <inheritdoc/>
    public void Process<T>(in FrameTile<T> tile, ResultBuffers results)
        where T : unmanaged
    {
        var state = results.WorkerState as ShiftedDetectors ?? (ShiftedDetectors)(results.WorkerState = new ShiftedDetectors(_detectors, tile.Layout, results));
        var images = state.Images;

        for (int f = 0; f < tile.Count; f++)
        {
            var frame = tile.FrameBytes(f);
            if (_detectors.Length > 1 && f + 1 < tile.Count)
            {
                FrameKernels.Prefetch(tile.FrameBytes(f + 1));
            }

            long position = tile.Positions[f];
            var (spans, masks) = state.At(shiftOf?.Invoke(position) ?? (0, 0));
            for (int d = 0; d < images.Length; d++)
            {
                images[d][position] = typeof(T) == typeof(ushort)
                    ? masks![d].Sum(MemoryMarshal.Cast<T, ushort>(tile.Frame(f)))
                    : FrameKernels.SpanSum(tile.Layout.DType, frame, spans[d]);
            }
        }
    }

    /// <inheritdoc/>
    public void Complete(ResultBuffers results) => Images = Enumerable.Range(0, _detectors.Length).Select(d => results[d]).ToArray();

    /// <summary>A worker's detectors moved by each descan shift met so far, and for uint16 frames their block lists.</summary>
    private sealed class ShiftedDetectors(PixelSpan[][] detectors, FrameLayout layout, ResultBuffers results)
    {
        /// <summary>The detectors' per-position images (shared by every worker).</summary>
        public double[][] Images { get; } = Enumerable.Range(0, detectors.Length).Select(d => results[d]).ToArray();

        private readonly Dictionary<(int, int), (PixelSpan[][] Spans, MaskVectors[]? Masks)> _shifted = [];
        private (int, int) _lastShift = (int.MinValue, 0);
        private (PixelSpan[][] Spans, MaskVectors[]? Masks) _last;

        public (PixelSpan[][] Spans, MaskVectors[]? Masks) At((int Y, int X) shift)
        {
            if (shift == _lastShift)
            {
                return _last;
            }

            if (!_shifted.TryGetValue(shift, out var entry))
            {
                int h = layout.Height, w = layout.Width;
                var spans = shift == (0, 0) ? detectors : detectors.Select(d => PixelSpans.Shift(d, h, w, shift.Y, shift.X)).ToArray();
                var masks = layout.DType == DType.UInt16 ? spans.Select(d => new MaskVectors(d, h * w)).ToArray() : null;
                entry = (spans, masks);
                _shifted[shift] = entry;
            }

            _lastShift = shift;
            _last = entry;
            return entry;
        }
    }
}
