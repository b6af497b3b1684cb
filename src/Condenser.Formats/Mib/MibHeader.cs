using System.Globalization;
using System.Text;
using Condenser.Data;

namespace Condenser.Formats.Mib;

/// <summary>The ASCII header that precedes every Merlin frame (comma-separated; 384 bytes single chip, 768 bytes quad).</summary>
internal sealed record MibHeader(
    int HeaderBytes, int Chips, int Columns, int Rows, string PixelType, string Layout, string LocalTime,
    double? ShutterS, string? TimestampUtc, double? ExposureS, int? CounterDepth, string[] Fields)
{
    /// <summary>Bytes of one pixel as stored (U08, U16, U32; R64 raw frames are packed).</summary>
    public int PixelBytes => PixelType switch
    {
        "U01" or "U08" => 1,
        "U16" => 2,
        "U32" => 4,
        "U64" => 8,
        _ => 0,
    };

    /// <summary>Parses a header from the start of <paramref name="bytes"/>.</summary>
    public static MibHeader Parse(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 64 || !bytes.StartsWith("MQ1,"u8))
        {
            throw new EmFileException(path, offset, "a Merlin frame header must start with 'MQ1,'");
        }

        var first = Encoding.ASCII.GetString(bytes[..Math.Min(bytes.Length, 384)]).Split(',');
        if (first.Length < 8)
        {
            throw new EmFileException(path, offset, "the Merlin header has fewer than 8 fields");
        }

        int headerBytes = Int(path, offset, first[2], "header size");
        if (headerBytes < 64 || headerBytes > 65536)
        {
            throw new EmFileException(path, offset, $"header size {headerBytes} is out of range");
        }

        if (bytes.Length < headerBytes)
        {
            throw new EmFileException(path, offset, $"the header needs {headerBytes} bytes but the file ends first");
        }

        var fields = Encoding.ASCII.GetString(bytes[..headerBytes]).TrimEnd('\0', ' ').Split(',');
        int chips = Int(path, offset, fields[3], "chip count");
        int columns = Int(path, offset, fields[4], "width");
        int rows = Int(path, offset, fields[5], "height");
        if (columns <= 0 || rows <= 0 || columns > 65536 || rows > 65536)
        {
            throw new EmFileException(path, offset, $"frame size {columns}×{rows} is out of range");
        }

        string pixelType = fields[6].Trim();
        string layout = fields[7].Trim();
        string local = fields.Length > 9 ? fields[9].Trim() : string.Empty;
        double? shutter = fields.Length > 10 && double.TryParse(fields[10], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : null;

        // Newer firmware ends the header with "MQ1A,<ISO timestamp>,<exposure>ns,<counter depth>,".
        string? stamp = null;
        double? exposure = null;
        int? depth = null;
        int ext = Array.IndexOf(fields, "MQ1A");
        if (ext >= 0 && fields.Length > ext + 3)
        {
            stamp = fields[ext + 1].Trim();
            var e = fields[ext + 2].Trim();
            if (e.EndsWith("ns", StringComparison.Ordinal) && double.TryParse(e[..^2], NumberStyles.Float, CultureInfo.InvariantCulture, out var ns))
            {
                exposure = ns * 1e-9;
            }

            if (int.TryParse(fields[ext + 3].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var d))
            {
                depth = d;
            }
        }

        return new MibHeader(headerBytes, chips, columns, rows, pixelType, layout, local, shutter, stamp, exposure ?? shutter, depth, fields);
    }

    private static int Int(string path, long offset, string text, string what)
        => int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
            : throw new EmFileException(path, offset, $"the Merlin header's {what} '{text}' is not a number");

    /// <summary>The frame's UTC timestamp in nanoseconds since 1970.</summary>
    public static long? Nanoseconds(ReadOnlySpan<byte> header)
    {
        // Field layout: ...,MQ1A,2021-05-07T16:51:10.905800928Z,...
        int i = header.IndexOf("MQ1A,"u8);
        if (i < 0)
        {
            return null;
        }

        var rest = header[(i + 5)..];
        int end = rest.IndexOf((byte)',');
        if (end < 0)
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(rest[..end]).TrimEnd('Z');
        int dot = text.IndexOf('.');
        string frac = dot >= 0 ? text[(dot + 1)..] : string.Empty;
        string main = dot >= 0 ? text[..dot] : text;
        if (!DateTime.TryParseExact(main, "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
        {
            return null;
        }

        long ns = 0;
        if (frac.Length > 0 && long.TryParse(frac.PadRight(9, '0')[..9], NumberStyles.None, CultureInfo.InvariantCulture, out var f))
        {
            ns = f;
        }

        return ((t - DateTime.UnixEpoch).Ticks * 100) + ns;
    }
}
