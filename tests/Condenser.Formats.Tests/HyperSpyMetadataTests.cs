using System.Globalization;
using System.Text.Json.Nodes;
using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>
/// The normalised metadata of every fixture against what Debian's HyperSpy 1.7 puts in <c>metadata</c> for the same
/// file: beam energy, magnification, camera length, convergence angle, exposure (or dwell time), acquisition date and
/// time, title and signal type. Where HyperSpy gives a value, Condenser gives the same one, unless
/// <see cref="KnownDifferences.Metadata"/> says why not; where HyperSpy gives none there is nothing to compare.
/// </summary>
public sealed class HyperSpyMetadataTests(HyperSpyMetadataTests.Seen seen) : IClassFixture<HyperSpyMetadataTests.Seen>
{
    /// <summary>HyperSpy's view of every fixture, from one Python process.</summary>
    public sealed class Seen : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("condenser-hyperspy-md-").FullName;
        private readonly Lazy<JsonObject> _all;

        public Seen() => _all = new Lazy<JsonObject>(() => HyperSpy.Open([.. TestData.ReferencedFiles().Select(TestData.File)], _folder));

        public JsonObject All => _all.Value;

        public void Dispose() => Directory.Delete(_folder, recursive: true);
    }

    public static TheoryData<string> Files() => new(TestData.ReferencedFiles().Where(f => Reference.Load(f).Error is null));

    [Theory]
    [MemberData(nameof(Files))]
    public void MetadataAgreesWithHyperSpy(string relative)
    {
        HyperSpy.RequireInstalled();
        var entry = seen.All[TestData.File(relative)]!.AsObject();
        if (entry["hyperspy"] is not JsonArray signals)
        {
            Assert.True(KnownDifferences.HyperSpyCannotRead.ContainsKey(relative), $"{relative}: HyperSpy 1.7 failed ({entry["hyperspy"]?["error"]}) and KnownDifferences.HyperSpyCannotRead does not say why");
            return;
        }

        Assert.False(KnownDifferences.HyperSpyCannotRead.ContainsKey(relative), $"{relative}: HyperSpy 1.7 reads it now: compare it");
        using var file = FormatRegistry.Open(TestData.File(relative));
        var problems = new List<string>();
        int n = Math.Min(file.Datasets.Count, signals.Count);
        for (int i = 0; i < n; i++)
        {
            var theirs = signals[i]!["metadata"]!.AsObject();
            foreach (var (field, problem) in Compare(file.Datasets[i], theirs))
            {
                if (!KnownDifferences.Metadata.ContainsKey($"{relative}|{field}"))
                {
                    problems.Add($"[{i}] {field}: {problem}");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{relative}: {string.Join("; ", problems)}");
    }

    /// <summary>Each field where HyperSpy gives a value that Condenser's differs from.</summary>
    private static IEnumerable<(string Field, string Problem)> Compare(EmDataset d, JsonObject theirs)
    {
        var md = d.Metadata;
        foreach (var (field, ours) in new (string, double?)[]
        {
            ("beam_energy_kev", md.BeamEnergyKeV), ("magnification", md.Magnification), ("camera_length_mm", md.CameraLengthMm),
            ("convergence_angle_mrad", md.ConvergenceAngleMrad),
        })
        {
            if (theirs[field]?.GetValue<double>() is { } t && !(ours is { } o && Math.Abs(o - t) <= 1e-6 * Math.Abs(t)))
            {
                yield return (field, $"{ours?.ToString(CultureInfo.InvariantCulture) ?? "none"} vs HyperSpy {t.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        if ((theirs["exposure_s"] ?? theirs["dwell_time_s"])?.GetValue<double>() is { } exposure && !(md.ExposureS is { } e && Math.Abs(e - exposure) <= 1e-6 * exposure))
        {
            yield return ("exposure", $"{md.ExposureS?.ToString(CultureInfo.InvariantCulture) ?? "none"} s vs HyperSpy {exposure.ToString(CultureInfo.InvariantCulture)} s");
        }

        if (Acquired(theirs) is { } when && md.Acquired?.StartsWith(when, StringComparison.Ordinal) != true)
        {
            yield return ("acquired", $"{md.Acquired ?? "none"} vs HyperSpy {when}");
        }

        string title = theirs["title"]?.GetValue<string>() ?? string.Empty;
        if (title.Length > 0 && title != (md.Title ?? d.Name))
        {
            yield return ("title", $"'{md.Title ?? d.Name}' vs HyperSpy '{title}'");
        }

        string type = theirs["signal_type"]?.GetValue<string>() ?? string.Empty;
        if (type.Length > 0 && !SameSignalType(type, md))
        {
            yield return ("signal_type", $"{md.SignalType}/{md.Technique} vs HyperSpy {type}");
        }
    }

    /// <summary>HyperSpy's date and time as an ISO 8601 prefix to the second (the date alone where it gives no time).</summary>
    private static string? Acquired(JsonObject theirs)
    {
        string? date = theirs["date"]?.GetValue<string>(), time = theirs["time"]?.GetValue<string>();
        if (date is null)
        {
            return null;
        }

        if (time is null || !TimeSpan.TryParse(time.Split('.')[0], CultureInfo.InvariantCulture, out var t))
        {
            return date;
        }

        return $"{date}T{t:hh\\:mm\\:ss}";
    }

    /// <summary>HyperSpy's signal types (EELS, EDS_TEM, EDS_SEM, CL, electron_diffraction) against Condenser's type and technique.</summary>
    private static bool SameSignalType(string hyperspy, Metadata md) => hyperspy switch
    {
        "EELS" => md.Technique == "EELS",
        "EDS_TEM" or "EDS_SEM" or "EDS" => md.Technique == "EDS",
        "CL" => md.Technique == "CL",
        "electron_diffraction" or "diffraction" => md.SignalType is SignalTypes.Diffraction or SignalTypes.FourDStem,
        _ => false,
    };
}
