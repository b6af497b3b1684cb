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
    private MaskVectors[]? _masks;

    /// <summary>Creates the reduction; <see cref="Images"/>[d][scan position] will hold detector d's values.</summary>
    public VirtualDetectors(IReadOnlyList<PixelSpan[]> detectors, long positions)
    {
        _detectors = detectors.ToArray();
        Images = _detectors.Select(_ => new double[positions]).ToArray();
    }

    /// <summary>For uint16 frames, each detector as the blocks it touches with their weights.</summary>
    private MaskVectors[] Masks(int pixels) => _masks ??= _detectors.Select(spans => new MaskVectors(spans, pixels)).ToArray();

    /// <summary>One image per detector, flattened over the scan (C order).</summary>
    public double[][] Images { get; }

    /// <inheritdoc/>
    public IFrameReducer CreatePartial() => new VirtualDetectors(_detectors, Images[0].LongLength);

    /// <inheritdoc/>
    public void Process(EmDataset dataset, long firstFrame, ReadOnlySpan<byte> frames)
    {
        int frameBytes = (int)dataset.FrameBytes;
        int n = frames.Length / frameBytes;
        var masks = dataset.DType == DType.UInt16 ? Masks(frameBytes / 2) : null;
        for (int f = 0; f < n; f++)
        {
            var frame = frames.Slice(f * frameBytes, frameBytes);
            for (int d = 0; d < _detectors.Length; d++)
            {
                Images[d][firstFrame + f] = masks is not null
                    ? masks[d].Sum(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(frame))
                    : FrameKernels.SpanSum(dataset.DType, frame, _detectors[d]);
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
