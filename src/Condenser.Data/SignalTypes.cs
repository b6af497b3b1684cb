namespace Condenser.Data;

/// <summary>The normalised signal types of <see cref="Metadata.SignalType"/>.</summary>
public static class SignalTypes
{
    public const string Image = "image";
    public const string Diffraction = "diffraction";
    public const string Spectrum = "spectrum";
    public const string SpectrumImage = "spectrum_image";
    public const string FourDStem = "4d_stem";
    public const string Stack = "stack";
    public const string LineProfile = "line_profile";
}

/// <summary>Derives the normalised signal type from what one frame is and how it is scanned.</summary>
public static class SignalTypeRules
{
    /// <summary>
    /// <paramref name="frameKind"/> is <see cref="SignalTypes.Image"/>, <see cref="SignalTypes.Diffraction"/> or
    /// <see cref="SignalTypes.Spectrum"/>; a scanned spectrum is a spectrum image, a 2-d scan of diffraction patterns
    /// is 4D-STEM, any other series of frames is a stack.
    /// </summary>
    public static string Infer(string frameKind, int navigationRank)
    {
        if (navigationRank == 0)
        {
            return frameKind;
        }

        return frameKind switch
        {
            SignalTypes.Spectrum => SignalTypes.SpectrumImage,
            SignalTypes.Diffraction when navigationRank >= 2 => SignalTypes.FourDStem,
            _ => SignalTypes.Stack,
        };
    }
}
