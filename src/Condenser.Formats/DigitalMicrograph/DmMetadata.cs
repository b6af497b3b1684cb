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

        // In TEM diffraction DM's "Indicated Magnification" is the camera length in mm (as HyperSpy reads it).
        bool temDiffraction = tags.GetString("Microscope Info", "Illumination Mode")?.Trim() == "TEM"
            && tags.GetString("Microscope Info", "Imaging Mode")?.Trim() == "DIFFRACTION";
        md.Magnification = Positive(tags.GetDouble("Microscope Info", "Actual Magnification"))
            ?? (temDiffraction ? null : Positive(tags.GetDouble("Microscope Info", "Indicated Magnification")));
        md.CameraLengthMm = Positive(tags.GetDouble("Microscope Info", "STEM Camera Length"))
            ?? (temDiffraction ? Positive(tags.GetDouble("Microscope Info", "Indicated Magnification")) : null);
        md.ConvergenceAngleMrad = Positive(tags.GetDouble("EELS", "Experimental Conditions", "Convergence semi-angle (mrad)"))
            ?? Positive(tags.GetDouble("Microscope Info", "Convergence semi-angle (mrad)"));
        md.ExposureS = Positive(tags.GetDouble("DataBar", "Exposure Time (s)"))
            ?? Positive(tags.GetDouble("Acquisition", "Parameters", "High Level", "Exposure (s)"))
            ?? Positive(tags.GetDouble("EELS", "Acquisition", "Integration time (s)"))
            ?? Positive(tags.GetDouble("EELS", "Acquisition", "Exposure (s)"))
            ?? Positive(tags.GetDouble("EDS", "Real time"))
            ?? Positive(tags.GetDouble("DigiScan", "Sample Time") / 1e6);
        md.Instrument = NonEmpty(tags.GetString("Session Info", "Microscope"))
            ?? NonEmpty(tags.GetString("Microscope Info", "Name"))
            ?? NonEmpty(tags.GetString("Microscope Info", "Microscope"));
        md.Detector = NonEmpty(tags.GetString("Acquisition", "Device", "Name"))
            ?? NonEmpty(tags.GetString("Microscope Info", "Stem Detector"));
        // Images date themselves in the DataBar; spectra and spectrum images in their acquisition group.
        md.Acquired = Date(tags.GetString("DataBar", "Acquisition Date"), tags.GetString("DataBar", "Acquisition Time"))
            ?? new[] { "EELS", "EDS", "SI", "CL" }.Select(g => Date(tags.GetString(g, "Acquisition", "Date"), tags.GetString(g, "Acquisition", "Start time"))).FirstOrDefault(d => d is not null)
            ?? DateAndTime(tags.GetString("CL", "Acquisition", "Acquisition begin"));
        return md;
    }

    private static double? Positive(double? v) => v is > 0 && double.IsFinite(v.Value) ? v : null;

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) || s == "[]" ? null : s.Trim();

    /// <summary>"27/10/2020 13:34:29": a date and a time in one string.</summary>
    private static string? DateAndTime(string? text)
    {
        var parts = (text ?? string.Empty).Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 ? null : Date(parts[0], parts.Length > 1 ? parts[1] : null);
    }

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
