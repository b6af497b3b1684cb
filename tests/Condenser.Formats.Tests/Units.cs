namespace Condenser.Formats.Tests;

/// <summary>Unit conversion for comparing calibrations: the factor to a base unit of the same kind.</summary>
public static class Units
{
    public static (string Kind, double Factor)? Parse(string? units)
    {
        var u = (units ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal).Trim();
        return u switch
        {
            "" or "<undefined>" or "[]" => ("none", 1),
            "m" => ("length", 1),
            "mm" => ("length", 1e-3),
            "µm" or "um" or "μm" or "micron" => ("length", 1e-6),
            "nm" => ("length", 1e-9),
            "Å" or "A" or "Angstrom" => ("length", 1e-10),
            "pm" => ("length", 1e-12),
            "1/m" => ("reciprocal", 1),
            "1/mm" => ("reciprocal", 1e3),
            "1/µm" or "1/um" => ("reciprocal", 1e6),
            "1/nm" => ("reciprocal", 1e9),
            "1/Å" or "1/A" => ("reciprocal", 1e10),
            "1/pm" => ("reciprocal", 1e12),
            "eV" => ("energy", 1),
            "keV" => ("energy", 1e3),
            "s" => ("time", 1),
            "ms" => ("time", 1e-3),
            "µs" or "us" => ("time", 1e-6),
            "ns" => ("time", 1e-9),
            "rad" => ("angle", 1),
            "mrad" => ("angle", 1e-3),
            _ => null,
        };
    }

    /// <summary>Whether two spellings name the same unit ("1 / nm" and "1/nm"), so that scales compare unconverted.</summary>
    public static bool Same(string? a, string? b)
        => string.Equals(a ?? string.Empty, b ?? string.Empty, StringComparison.Ordinal) || (Parse(a) is { } x && Parse(b) is { } y && x == y);
}
