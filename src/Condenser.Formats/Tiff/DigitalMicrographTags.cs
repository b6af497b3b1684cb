using BitMiracle.LibTiff.Classic;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;
using Condenser.Data;

namespace Condenser.Formats.Tiff;

/// <summary>
/// The private tags Gatan DigitalMicrograph writes into TIFF exports, and HyperSpy writes and reads: units (ASCII),
/// origin and scale (double) of x (columns, 65003/65006/65009), y (rows, 65004/65007/65010) and the stack axis
/// (65005/65008/65011). Unlike X/YResolution they hold any unit, an offset and a negative scale.
/// </summary>
internal static class DigitalMicrographTags
{
    private const int XUnits = 65003, YUnits = 65004, ZUnits = 65005, XOrigin = 65006, YOrigin = 65007, ZOrigin = 65008, XScale = 65009, YScale = 65010, ZScale = 65011;

    private static readonly TiffFieldInfo[] Fields =
    [
        .. new[] { XUnits, YUnits, ZUnits }.Select(t => new TiffFieldInfo((TiffTag)t, -1, -1, TiffType.ASCII, FieldBit.Custom, true, false, $"DM_units_{t}")),
        .. new[] { XOrigin, YOrigin, ZOrigin, XScale, YScale, ZScale }.Select(t => new TiffFieldInfo((TiffTag)t, 1, 1, TiffType.DOUBLE, FieldBit.Custom, true, false, $"DM_value_{t}")),
    ];

    private static readonly Lock Gate = new();
    private static bool _registered;
    private static LibTiff.TiffExtendProc? _parent;

    /// <summary>Registers the tags with LibTiff (once per process) so that files opened afterwards can write them.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (!_registered)
            {
                _parent = LibTiff.SetTagExtender(Extend);
                _registered = true;
            }
        }
    }

    /// <summary>Writes the calibration of <paramref name="x"/>, <paramref name="y"/> and, for a stack, <paramref name="z"/>.</summary>
    public static void Write(LibTiff tif, Axis x, Axis y, Axis? z)
    {
        Put(tif, XUnits, XOrigin, XScale, x);
        Put(tif, YUnits, YOrigin, YScale, y);
        if (z is not null)
        {
            Put(tif, ZUnits, ZOrigin, ZScale, z);
        }
    }

    private static void Put(LibTiff tif, int units, int origin, int scale, Axis a)
    {
        tif.SetField((TiffTag)units, a.Units);
        tif.SetField((TiffTag)origin, double.IsFinite(a.Offset) ? a.Offset : 0.0);
        tif.SetField((TiffTag)scale, double.IsFinite(a.Scale) && a.Scale != 0 ? a.Scale : 1.0);
    }

    private static void Extend(LibTiff tif)
    {
        tif.MergeFieldInfo(Fields, Fields.Length);
        _parent?.Invoke(tif);
    }
}
