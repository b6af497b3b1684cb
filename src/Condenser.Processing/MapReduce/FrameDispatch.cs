using System.Numerics;
using System.Runtime.InteropServices;
using Condenser.Data;

namespace Condenser.Processing.MapReduce;

/// <summary>Hands bytes of frames to a reducer as a tile of their element type (the one switch on the element type).</summary>
internal static class FrameDispatch
{
    public static void Process(IFrameReducer reducer, FrameLayout layout, ReadOnlySpan<byte> bytes, ReadOnlySpan<long> positions, ResultBuffers results)
    {
        switch (layout.DType)
        {
            case DType.Bool or DType.UInt8 or DType.Rgb8 or DType.Rgba8:
                reducer.Process(new FrameTile<byte>(layout, bytes, positions), results);
                break;
            case DType.Int8:
                Typed<sbyte>(reducer, layout, bytes, positions, results);
                break;
            case DType.UInt16:
                Typed<ushort>(reducer, layout, bytes, positions, results);
                break;
            case DType.Int16:
                Typed<short>(reducer, layout, bytes, positions, results);
                break;
            case DType.UInt32:
                Typed<uint>(reducer, layout, bytes, positions, results);
                break;
            case DType.Int32:
                Typed<int>(reducer, layout, bytes, positions, results);
                break;
            case DType.UInt64:
                Typed<ulong>(reducer, layout, bytes, positions, results);
                break;
            case DType.Int64:
                Typed<long>(reducer, layout, bytes, positions, results);
                break;
            case DType.Float32:
                Typed<float>(reducer, layout, bytes, positions, results);
                break;
            case DType.Float64:
                Typed<double>(reducer, layout, bytes, positions, results);
                break;
            case DType.Complex64:
                Typed<ComplexSingle>(reducer, layout, bytes, positions, results);
                break;
            case DType.Complex128:
                Typed<Complex>(reducer, layout, bytes, positions, results);
                break;
            default:
                throw new NotSupportedException($"frames of {layout.DType.Name()}");
        }
    }

    private static void Typed<T>(IFrameReducer reducer, FrameLayout layout, ReadOnlySpan<byte> bytes, ReadOnlySpan<long> positions, ResultBuffers results)
        where T : unmanaged
        => reducer.Process(new FrameTile<T>(layout, MemoryMarshal.Cast<byte, T>(bytes), positions), results);
}
