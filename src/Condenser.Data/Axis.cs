namespace Condenser.Data;

/// <summary>One calibrated axis of a dataset: value at index i is <c>Offset + i * Scale</c> in <see cref="Units"/>.</summary>
/// <param name="Name">Axis name (x, y, z for space; "Energy loss", "kx" ...); empty when the file names none.</param>
/// <param name="Size">Number of samples along the axis.</param>
/// <param name="Scale">Step between samples, in <see cref="Units"/>.</param>
/// <param name="Offset">Value at index 0, in <see cref="Units"/>.</param>
/// <param name="Units">Unit symbol as written by the file (nm, 1/nm, eV, µm, s ...); empty when uncalibrated.</param>
/// <param name="Navigate">True for navigation (scan) axes, false for signal axes.</param>
public sealed record Axis(string Name, int Size, double Scale = 1.0, double Offset = 0.0, string Units = "", bool Navigate = false)
{
    /// <summary>An uncalibrated axis (scale 1, offset 0, no units).</summary>
    public static Axis Plain(string name, int size, bool navigate) => new(name, size, 1.0, 0.0, "", navigate);
}
