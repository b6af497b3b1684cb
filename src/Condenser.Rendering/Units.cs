using System.Globalization;

namespace Condenser.Rendering;

/// <summary>
/// Lengths, reciprocal lengths and angles written with the unit that puts the number between 1 and 999 (0.0005 µm is
/// 0.5 nm … 500 pm, 5000 nm is 5 µm, 0.002 1/nm is 2 1/µm, 0.5 mrad is 500 µrad); Å is written in nm or pm. Other
/// units are kept as they are.
/// </summary>
public static class Units
{
    private static readonly string[] Lengths = ["pm", "nm", "µm", "mm", "m"];
    private static readonly string[] Angles = ["µrad", "mrad", "rad"];

    /// <summary>The same quantity with the unit of its ladder that puts |value| in [1, 1000) where one does.</summary>
    public static (double Value, string Unit) Normalise(double value, string unit)
    {
        if (!double.IsFinite(value) || value == 0)
        {
            return (value, unit);
        }

        string u = unit switch { "um" or "micron" or "microns" => "µm", "Å" or "A" or "angstrom" => "Å", _ => unit };
        if (u == "Å")
        {
            (value, u) = (value * 0.1, "nm");
        }
        else if (u is "1/Å" or "1/A")
        {
            (value, u) = (value * 10, "1/nm");
        }

        if (Array.IndexOf(Lengths, u) is int i and >= 0)
        {
            var (v, k) = Step(value, i, Lengths.Length, +1);
            return (v, Lengths[k]);
        }

        if (u.StartsWith("1/", StringComparison.Ordinal) && Array.IndexOf(Lengths, u[2..]) is int j and >= 0)
        {
            // A reciprocal unit one step larger (1/nm → 1/µm) makes the number 1000 times larger.
            var (v, k) = Step(value, j, Lengths.Length, -1);
            return (v, "1/" + Lengths[k]);
        }

        if (Array.IndexOf(Angles, u) is int m and >= 0)
        {
            var (v, k) = Step(value, m, Angles.Length, +1);
            return (v, Angles[k]);
        }

        return (value, unit);
    }

    /// <summary>The quantity as text, normalised, in up to three significant digits ("0.5 nm", "5 µm").</summary>
    public static string Format(double value, string unit)
    {
        var (v, u) = Normalise(value, unit);
        string number = v.ToString("G3", CultureInfo.InvariantCulture);
        return u.Length == 0 ? number : number + " " + u;
    }

    /// <summary>
    /// Moves along a ladder of units 1000 apart: <paramref name="direction"/> +1 when a larger unit makes the number
    /// smaller (lengths), −1 when it makes it larger (reciprocal lengths).
    /// </summary>
    private static (double Value, int Index) Step(double value, int index, int count, int direction)
    {
        // Round first, so that 999.9996 becomes 1 of the next unit and not "1e+03".
        while (Math.Abs(Math.Round(value, 9)) >= 1000 && index + direction is >= 0 and var next && next < count)
        {
            (value, index) = (value / 1000, next);
        }

        while (Math.Abs(Math.Round(value, 9)) < 1 && index - direction is >= 0 and var previous && previous < count)
        {
            (value, index) = (value * 1000, previous);
        }

        return (value, index);
    }
}
