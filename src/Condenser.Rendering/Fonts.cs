using System.Runtime.InteropServices;
using SkiaSharp;

namespace Condenser.Rendering;

/// <summary>
/// The font that labels figures, found through fontconfig (the sans-serif face the system resolves, DejaVu Sans on
/// Debian's fonts-dejavu-core) or named by <c>CONDENSER_FONT</c> (a font file); loaded once per process. Without
/// one, figures are drawn without their text and a warning says so once.
/// </summary>
public static class Fonts
{
    private static readonly Lazy<SKTypeface?> Face = new(Load);

    /// <summary>The typeface, or null when none could be found.</summary>
    public static SKTypeface? Label => Face.Value;

    /// <summary>The font file fontconfig resolves for <paramref name="pattern"/> (null when fontconfig is absent or finds none).</summary>
    public static string? Match(string pattern)
    {
        try
        {
            if (!FcInit())
            {
                return null;
            }

            var p = FcNameParse(pattern);
            if (p == 0)
            {
                return null;
            }

            try
            {
                FcConfigSubstitute(0, p, 0);
                FcDefaultSubstitute(p);
                var match = FcFontMatch(0, p, out _);
                if (match == 0)
                {
                    return null;
                }

                try
                {
                    return FcPatternGetString(match, "file", 0, out var file) == 0 ? Marshal.PtrToStringUTF8(file) : null;
                }
                finally
                {
                    FcPatternDestroy(match);
                }
            }
            finally
            {
                FcPatternDestroy(p);
            }
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static SKTypeface? Load()
    {
        var file = Environment.GetEnvironmentVariable("CONDENSER_FONT") is { Length: > 0 } f ? f : Match("DejaVu Sans") ?? Match("sans-serif");
        if (file is null || !File.Exists(file))
        {
            Console.Error.WriteLine("warning: no font found through fontconfig (install fontconfig and fonts-dejavu-core, or set CONDENSER_FONT to a font file); figures are drawn without their labels");
            return null;
        }

        return SKTypeface.FromFile(file);
    }

    private const string Lib = "libfontconfig.so.1";

    [DllImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool FcInit();

    [DllImport(Lib)]
    private static extern nint FcNameParse([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport(Lib)]
    private static extern int FcConfigSubstitute(nint config, nint pattern, int kind);

    [DllImport(Lib)]
    private static extern void FcDefaultSubstitute(nint pattern);

    [DllImport(Lib)]
    private static extern nint FcFontMatch(nint config, nint pattern, out int result);

    [DllImport(Lib)]
    private static extern int FcPatternGetString(nint pattern, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int index, out nint value);

    [DllImport(Lib)]
    private static extern void FcPatternDestroy(nint pattern);
}
