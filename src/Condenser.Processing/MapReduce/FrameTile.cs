using System.Runtime.InteropServices;

namespace Condenser.Processing.MapReduce;

/// <summary>
/// Frames handed to a reducer: <see cref="Count"/> whole frames of element type <typeparamref name="T"/> one after the
/// other, and the navigation position of each (in C order over the scan). Valid only during the call.
/// </summary>
public readonly ref struct FrameTile<T>
    where T : unmanaged
{
    /// <summary>Creates a tile over <paramref name="values"/>.</summary>
    public FrameTile(FrameLayout layout, ReadOnlySpan<T> values, ReadOnlySpan<long> positions)
    {
        Layout = layout;
        Values = values;
        Positions = positions;
        FrameLength = layout.SignalLength;
    }

    /// <summary>What the frames look like.</summary>
    public FrameLayout Layout { get; }

    /// <summary>The values of every frame of the tile.</summary>
    public ReadOnlySpan<T> Values { get; }

    /// <summary>The navigation position of each frame.</summary>
    public ReadOnlySpan<long> Positions { get; }

    /// <summary>Elements per frame.</summary>
    public int FrameLength { get; }

    /// <summary>Number of frames.</summary>
    public int Count => Positions.Length;

    /// <summary>The values as bytes (for the byte kernels that switch on <see cref="FrameLayout.DType"/>).</summary>
    public ReadOnlySpan<byte> Bytes => MemoryMarshal.AsBytes(Values);

    /// <summary>Frame <paramref name="index"/> of the tile.</summary>
    public ReadOnlySpan<T> Frame(int index) => Values.Slice(index * FrameLength, FrameLength);

    /// <summary>Frame <paramref name="index"/> as bytes.</summary>
    public ReadOnlySpan<byte> FrameBytes(int index) => MemoryMarshal.AsBytes(Frame(index));
}

/// <summary>A complex64 element (two float32: real, imaginary), as numpy stores it.</summary>
/// <param name="Real">Real part.</param>
/// <param name="Imaginary">Imaginary part.</param>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct ComplexSingle(float Real, float Imaginary);
