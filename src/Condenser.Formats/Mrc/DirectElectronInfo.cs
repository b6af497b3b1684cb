using System.Globalization;
using Condenser.Data;

namespace Condenser.Formats.Mrc;

/// <summary>The Direct Electron acquisition sidecar ("Key = value" lines in <c>PREFIX_info.txt</c> beside <c>PREFIX_movie.mrc</c>).</summary>
internal static class DirectElectronInfo
{
    /// <summary>Reads the sidecar of an MRC file, if one lies beside it.</summary>
    public static MetadataTree? Find(string mrcPath)
    {
        var found = FindPath(mrcPath);
        if (found is null || new FileInfo(found).Length > 4 << 20)
        {
            return null;
        }

        return Parse(found);
    }

    /// <summary>The path of the sidecar of an MRC file, if one lies beside it.</summary>
    public static string? FindPath(string mrcPath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(mrcPath)) ?? ".";
        var stem = Path.GetFileNameWithoutExtension(mrcPath);
        var candidates = new List<string> { Path.Combine(dir, stem + "_info.txt") };
        int cut = stem.LastIndexOf('_');
        while (cut > 0)
        {
            candidates.Add(Path.Combine(dir, stem[..cut] + "_info.txt"));
            cut = stem.LastIndexOf('_', cut - 1);
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    private static MetadataTree Parse(string found)
    {
        var tree = new MetadataTree();
        foreach (var line in File.ReadLines(found))
        {
            int eq = line.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            tree.Add(line[..eq].Trim(), line[(eq + 1)..].Trim());
        }

        var coords = Path.Combine(Path.GetDirectoryName(found) ?? ".", Path.GetFileName(found)[..^"_info.txt".Length] + "_scan_coordinates.csv");
        if (File.Exists(coords) && new FileInfo(coords).Length < 64 << 20)
        {
            tree["scan_coordinates_file"] = Path.GetFileName(coords);
        }

        return tree;
    }

    /// <summary>Fills the normalised fields the sidecar gives (negative values mean "unknown" there).</summary>
    public static void Apply(MetadataTree info, Metadata md)
    {
        if (info.GetDouble("Instrument Accelerating Voltage (V)") is > 0 and var v)
        {
            md.BeamEnergyKeV = v / 1000.0;
        }

        if (info.GetDouble("Instrument Project Magnification") is > 0 and var m)
        {
            md.Magnification = m;
        }

        if (info.GetDouble("Instrument Project Camera Length (centimeters)") is > 0 and var cl)
        {
            md.CameraLengthMm = cl * 10.0;
        }

        if (info.GetDouble("Frame Time (nanoseconds)") is > 0 and var ft)
        {
            md.ExposureS = ft * 1e-9;
        }

        if (info.GetDouble("Timestamp (seconds since Epoch)") is > 0 and var ts)
        {
            md.Acquired = DateTime.UnixEpoch.AddSeconds(ts).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        }

        md.Detector = info.GetString("Camera Model") ?? info.GetString("Camera Name");
        if (info.GetString("Instrument Project Name") is { } name && name != "Unknown" && name != "-1")
        {
            md.Instrument = name;
        }
    }

    /// <summary>The raster scan shape (y, x) when the scan is a plain raster.</summary>
    public static int[]? ScanShape(MetadataTree info)
    {
        if (info.GetString("Scan - Type") is { } type && type.Contains("File", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return info.GetDouble("Scan - Size X") is > 0 and var x && info.GetDouble("Scan - Size Y") is > 0 and var y
            ? [(int)y, (int)x]
            : null;
    }
}
