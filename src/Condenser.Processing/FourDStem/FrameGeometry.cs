using System.Runtime.InteropServices;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Processing.FourDStem;

/// <summary>
/// Lazy geometric views of a 4D-STEM dataset: detector cropping and binning, scan cropping. Frames are computed when
/// read, so a view streams like its source (write it with any writer, or run reducers over it).
/// </summary>
public static class FrameGeometry
{
    /// <summary>The detector region rows [top, top+height) × columns [left, left+width) of every frame.</summary>
    public static EmDataset CropDetector(EmDataset ds, int top, int left, int height, int width)
    {
        var (h, w) = FourDStemInputs.Detector(ds);
        if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > h || left + width > w)
        {
            throw new ArgumentException($"detector crop {height}×{width} at ({top}, {left}) does not fit a {h}×{w} detector");
        }

        int size = ds.DType.Size();
        var source = new byte[ds.FrameBytes];
        var storage = new DecodedFrameStorage(ds.FrameCount, (long)height * width * size, (f, dst) =>
        {
            ds.ReadFrame(f, source);
            for (int y = 0; y < height; y++)
            {
                source.AsSpan((((top + y) * w) + left) * size, width * size).CopyTo(dst.Slice(y * width * size));
            }
        });
        var axes = ds.Axes.ToArray();
        int ay = axes.Length - 2, ax = axes.Length - 1;
        axes[ay] = axes[ay] with { Size = height, Offset = axes[ay].Offset + (top * axes[ay].Scale) };
        axes[ax] = axes[ax] with { Size = width, Offset = axes[ax].Offset + (left * axes[ax].Scale) };
        return new EmDataset(ds.Name + " (detector crop)", new DatasetShape(ds.Shape.Navigation, [height, width]), axes, ds.DType, storage, ds.Metadata.Clone(), ds.OriginalMetadata);
    }

    /// <summary>
    /// Sums blocks of <paramref name="factorY"/> × <paramref name="factorX"/> detector pixels (a remainder at the edges
    /// is dropped). Counts stay exact: uint8/uint16 become uint32, other integers float64, floats keep their type.
    /// </summary>
    public static EmDataset BinDetector(EmDataset ds, int factorY, int factorX)
    {
        var (h, w) = FourDStemInputs.Detector(ds);
        if (factorY < 1 || factorX < 1 || factorY > h || factorX > w)
        {
            throw new ArgumentException($"binning {factorY}×{factorX} does not fit a {h}×{w} detector");
        }

        int oh = h / factorY, ow = w / factorX;
        var outType = ds.DType switch
        {
            DType.UInt8 or DType.UInt16 or DType.Bool => DType.UInt32,
            DType.Float32 => DType.Float32,
            _ => DType.Float64,
        };
        var source = new byte[ds.FrameBytes];
        var values = new double[h * w];
        var sums = new double[oh * ow];
        var storage = new DecodedFrameStorage(ds.FrameCount, (long)oh * ow * outType.Size(), (f, dst) =>
        {
            ds.ReadFrame(f, source);
            ds.DType.ReadInto(source, values);
            Array.Clear(sums);
            for (int y = 0; y < oh * factorY; y++)
            {
                int row = (y / factorY) * ow;
                for (int x = 0; x < ow * factorX; x++)
                {
                    sums[row + (x / factorX)] += values[(y * w) + x];
                }
            }

            for (int i = 0; i < sums.Length; i++)
            {
                switch (outType)
                {
                    case DType.UInt32:
                        MemoryMarshal.Write(dst.Slice(i * 4), (uint)sums[i]);
                        break;
                    case DType.Float32:
                        MemoryMarshal.Write(dst.Slice(i * 4), (float)sums[i]);
                        break;
                    default:
                        MemoryMarshal.Write(dst.Slice(i * 8), sums[i]);
                        break;
                }
            }
        });
        var axes = ds.Axes.ToArray();
        int ay = axes.Length - 2, ax = axes.Length - 1;

        // The binned pixel's centre sits at the mean of its source pixels' centres.
        axes[ay] = axes[ay] with { Size = oh, Scale = axes[ay].Scale * factorY, Offset = axes[ay].Offset + ((factorY - 1) / 2.0 * axes[ay].Scale) };
        axes[ax] = axes[ax] with { Size = ow, Scale = axes[ax].Scale * factorX, Offset = axes[ax].Offset + ((factorX - 1) / 2.0 * axes[ax].Scale) };
        return new EmDataset(ds.Name + " (binned)", new DatasetShape(ds.Shape.Navigation, [oh, ow]), axes, outType, storage, ds.Metadata.Clone(), ds.OriginalMetadata);
    }

    /// <summary>Scan positions rows [top, top+height) × columns [left, left+width) of a 2-d scan.</summary>
    public static EmDataset CropScan(EmDataset ds, int top, int left, int height, int width)
    {
        FourDStemInputs.Detector(ds);
        if (ds.Shape.Navigation.Count != 2)
        {
            throw new ArgumentException($"{ds.Name}: scan cropping needs a 2-d scan, not {ds.Shape.Navigation.Count}-d");
        }

        int ny = ds.Shape.Navigation[0], nx = ds.Shape.Navigation[1];
        if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > ny || left + width > nx)
        {
            throw new ArgumentException($"scan crop {height}×{width} at ({top}, {left}) does not fit a {ny}×{nx} scan");
        }

        var storage = new DecodedFrameStorage((long)height * width, ds.FrameBytes, (f, dst) =>
            ds.ReadFrame(((top + (f / width)) * nx) + left + (f % width), dst));
        var axes = ds.Axes.ToArray();
        axes[0] = axes[0] with { Size = height, Offset = axes[0].Offset + (top * axes[0].Scale) };
        axes[1] = axes[1] with { Size = width, Offset = axes[1].Offset + (left * axes[1].Scale) };
        return new EmDataset(ds.Name + " (scan crop)", new DatasetShape([height, width], ds.Shape.Signal), axes, ds.DType, storage, ds.Metadata.Clone(), ds.OriginalMetadata);
    }
}
