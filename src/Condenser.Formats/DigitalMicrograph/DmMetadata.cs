using System.Globalization;
using Condenser.Data;

namespace Condenser.Formats.DigitalMicrograph;

/// <summary>Maps DM ImageTags to the normalised metadata.</summary>
internal static class DmMetadata
{
    public static Metadata Normalise(MetadataTree tags, string technique)
    {
        var md = new Metadata();
        if (tags.GetDouble("Microscope Info", "Voltage") is > 0 and var v)
        {
            md.BeamEnergyKeV = v / 1000.0;
        }

        md.Magnification = Positive(tags.GetDouble("Microscope Info", "Actual Magnification"))
            ?? Positive(tags.GetDouble("Microscope Info", "Indicated Magnification"));
        md.CameraLengthMm = Positive(tags.GetDouble("Microscope Info", "STEM Camera Length"));
        md.ConvergenceAngleMrad = Positive(tags.GetDouble("EELS", "Experimental Conditions", "Convergence semi-angle (mrad)"))
            ?? Positive(tags.GetDouble("Microscope Info", "Convergence semi-angle (mrad)"));
        md.ExposureS = Positive(tags.GetDouble("DataBar", "Exposure Time (s)"))
            ?? Positive(tags.GetDouble("Acquisition", "Parameters", "High Level", "Exposure (s)"))
            ?? Positive(tags.GetDouble("EELS", "Acquisition", "Integration time (s)"))
            ?? Positive(tags.GetDouble("EELS", "Acquisition", "Exposure (s)"))
            ?? Positive(tags.GetDouble("EDS", "Real time"));
        md.Instrument = NonEmpty(tags.GetString("Session Info", "Microscope"))
            ?? NonEmpty(tags.GetString("Microscope Info", "Name"))
            ?? NonEmpty(tags.GetString("Microscope Info", "Microscope"));
        md.Detector = NonEmpty(tags.GetString("Acquisition", "Device", "Name"))
            ?? NonEmpty(tags.GetString("Microscope Info", "Stem Detector"));
        md.Acquired = Date(tags.GetString("DataBar", "Acquisition Date"), tags.GetString("DataBar", "Acquisition Time"));
        return md;
    }

    private static double? Positive(double? v) => v is > 0 && double.IsFinite(v.Value) ? v : null;

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) || s == "[]" ? null : s.Trim();

    private static string? Date(string? date, string? time)
    {
        if (string.IsNullOrWhiteSpace(date))
        {
            return null;
        }

        string[] formats = ["M/d/yyyy", "d/M/yyyy", "yyyy-MM-dd", "d.M.yyyy", "M/d/yy"];
        if (!DateTime.TryParseExact(date.Trim(), formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(time) && DateTime.TryParse(time.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.NoCurrentDateDefault, out var t))
        {
            d = d.Date + t.TimeOfDay;
            return d.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        }

        return d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
