using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Storage;

namespace Condenser.Catalog.Records;

/// <summary>One dataset of an ingested file: what the library knows of it.</summary>
public sealed record DatasetRecord
{
    /// <summary>Stable id: the first 16 hex digits of SHA-256("file sha256:dataset index"), the same on every instance.</summary>
    public required string Id { get; init; }

    /// <summary>Change-feed position of the last change.</summary>
    public long Seq { get; init; }

    /// <summary>SHA-256 of the ingested file's bytes (the content fingerprint).</summary>
    public required string FileSha256 { get; init; }

    /// <summary>Which dataset of the file (0-based).</summary>
    public int DatasetIndex { get; init; }

    /// <summary>SHA-256 of the dataset's array (C order, little-endian), as <c>condenser info</c> prints it.</summary>
    public string? DataSha256 { get; init; }

    /// <summary>The original file name.</summary>
    public required string FileName { get; init; }

    /// <summary>Bytes of the main file.</summary>
    public long FileSize { get; init; }

    /// <summary>The main file and its companions in the store.</summary>
    public IReadOnlyList<StoredFile> Files { get; init; } = [];

    /// <summary>Format name.</summary>
    public required string Format { get; init; }

    /// <summary>Dataset name inside the file.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Shape, navigation axes first, C order.</summary>
    public int[] Shape { get; init; } = [];

    /// <summary>How many leading axes are navigation.</summary>
    public int NavigationDims { get; init; }

    /// <summary>Element type name.</summary>
    public string DType { get; init; } = string.Empty;

    /// <summary>image, diffraction, spectrum, spectrum_image, 4d_stem, stack, line_profile.</summary>
    public string SignalType { get; init; } = string.Empty;

    /// <summary>EELS, EDS, … when the file says.</summary>
    public string? Technique { get; init; }

    /// <summary>Microscope (empty when unknown).</summary>
    public string Instrument { get; init; } = string.Empty;

    /// <summary>Detector.</summary>
    public string? Detector { get; init; }

    /// <summary>Beam energy.</summary>
    /// <remarks>Units: keV.</remarks>
    public double? BeamEnergyKeV { get; init; }

    /// <summary>Acquisition time.</summary>
    /// <remarks>Units: ms since 1970 UTC.</remarks>
    public long? AcquiredMs { get; init; }

    /// <summary>Ingest time.</summary>
    /// <remarks>Units: ms since 1970 UTC.</remarks>
    public long IngestedMs { get; init; }

    /// <summary>Last change.</summary>
    /// <remarks>Units: ms since 1970 UTC.</remarks>
    public long UpdatedMs { get; init; }

    /// <summary>Title.</summary>
    public string? Title { get; init; }

    /// <summary>Sample name.</summary>
    public string? Sample { get; init; }

    /// <summary>Chemical elements of the sample (symbols).</summary>
    public IReadOnlyList<string> Elements { get; init; } = [];

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>Who acquired it.</summary>
    public string? Operator { get; init; }

    /// <summary>Project id.</summary>
    public required string ProjectId { get; init; }

    /// <summary>Project name (filled when read).</summary>
    public string? ProjectName { get; init; }

    /// <summary>Who ingested it.</summary>
    public string? OwnerId { get; init; }

    /// <summary>Institution of the project.</summary>
    public string Institution { get; init; } = string.Empty;

    /// <summary>Who may see it.</summary>
    public Visibility Visibility { get; init; }

    /// <summary>Embargo end (0: none).</summary>
    /// <remarks>Units: ms since 1970 UTC.</remarks>
    public long EmbargoMs { get; init; }

    /// <summary>The session (instrument + time gap grouping).</summary>
    public string? SessionId { get; init; }

    /// <summary>The experiment.</summary>
    public string? ExperimentId { get; init; }

    /// <summary>The instance it was federated from (null: ingested here).</summary>
    public string? Origin { get; init; }

    /// <summary>The <c>condenser info --json</c> description of the dataset (axes, metadata, statistics, original metadata).</summary>
    public string Info { get; init; } = "{}";

    /// <summary>The similarity descriptor.</summary>
    public float[]? Descriptor { get; init; }

    /// <summary>The file's tree hash as ingest computed it (kept in <c>file_hashes</c>, not in the record's row).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? FileTreeHash { get; init; }

    /// <summary>What the dataset was computed from, as its provenance says (kept in <c>derivations</c>); null for data that is not a result.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Derivation? Derivation { get; init; }

    /// <summary>The columns <see cref="Read"/> expects, over alias <c>d</c>.</summary>
    public const string Columns = "d.id, d.seq, d.file_sha256, d.dataset_index, d.data_sha256, d.file_name, d.file_size, d.files, d.format, d.name, d.shape, d.nav_dims, d.dtype, d.signal_type, d.technique, d.instrument, d.detector, d.beam_energy_kev, d.acquired_ms, d.ingested_ms, d.updated_ms, d.title, d.sample, d.elements, d.description, d.operator, d.project_id, d.owner_id, d.institution, d.visibility, d.embargo_ms, d.session_id, d.experiment_id, d.origin, (SELECT name FROM projects p WHERE p.id = d.project_id) AS project_name";

    /// <summary>Maps a row of <see cref="Columns"/> (plus <c>info</c> when <paramref name="withInfo"/>).</summary>
    public static DatasetRecord Read(DbDataReader r, bool withInfo = false) => new()
    {
        Id = r.GetString(0),
        Seq = r.Int64("seq"),
        FileSha256 = r.GetString(2),
        DatasetIndex = (int)r.Int64("dataset_index"),
        DataSha256 = r.Text("data_sha256"),
        FileName = r.GetString(5),
        FileSize = r.Int64("file_size"),
        Files = JsonSerializer.Deserialize<List<StoredFile>>(r.GetString(7), FilesJson) ?? [],
        Format = r.GetString(8),
        Name = r.GetString(9),
        Shape = JsonSerializer.Deserialize<int[]>(r.GetString(10)) ?? [],
        NavigationDims = (int)r.Int64("nav_dims"),
        DType = r.GetString(12),
        SignalType = r.GetString(13),
        Technique = r.Text("technique"),
        Instrument = r.GetString(15),
        Detector = r.Text("detector"),
        BeamEnergyKeV = r.Double("beam_energy_kev"),
        AcquiredMs = r.IsDBNull(r.GetOrdinal("acquired_ms")) ? null : r.Int64("acquired_ms"),
        IngestedMs = r.Int64("ingested_ms"),
        UpdatedMs = r.Int64("updated_ms"),
        Title = r.Text("title"),
        Sample = r.Text("sample"),
        Elements = SplitElements(r.GetString(23)),
        Description = r.Text("description"),
        Operator = r.Text("operator"),
        ProjectId = r.GetString(26),
        OwnerId = r.Text("owner_id"),
        Institution = r.GetString(28),
        Visibility = AccessNames.ParseVisibility(r.GetString(29)),
        EmbargoMs = r.Int64("embargo_ms"),
        SessionId = r.Text("session_id"),
        ExperimentId = r.Text("experiment_id"),
        Origin = r.Text("origin"),
        ProjectName = r.Text("project_name"),
        Info = withInfo ? r.Text("info") ?? "{}" : "{}",
    };

    /// <summary>Elements are stored as ",Fe,O," so that a LIKE '%,Fe,%' finds one exactly.</summary>
    public static string JoinElements(IEnumerable<string> elements)
    {
        var list = elements.Select(NormaliseElement).Where(e => e.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? string.Empty : "," + string.Join(',', list) + ",";
    }

    /// <summary>The symbols of a stored element list.</summary>
    public static IReadOnlyList<string> SplitElements(string stored) => stored.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>"fe" → "Fe"; rejects what is not an element symbol.</summary>
    public static string NormaliseElement(string e)
    {
        e = e.Trim();
        if (e.Length == 0)
        {
            return e;
        }

        var s = char.ToUpperInvariant(e[0]) + e[1..].ToLowerInvariant();
        return Array.IndexOf(ElementSymbols, s) >= 0 ? s : throw new CatalogException(CatalogError.Invalid, $"'{e}' is not a chemical element symbol");
    }

    /// <summary>The 118 element symbols.</summary>
    public static readonly string[] ElementSymbols = ("H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr " +
        "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg " +
        "Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og").Split(' ');

    internal static readonly JsonSerializerOptions FilesJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The API form (<see cref="RecordView"/>); with <paramref name="withInfo"/> the full description too.</summary>
    public RecordView View(bool withInfo = false) => new()
    {
        Id = Id,
        File = FileName,
        Format = Format,
        Shape = Shape,
        NavigationDims = NavigationDims,
        SignalType = SignalType,
        Sha256 = FileSha256,
        DataSha256 = DataSha256,
        DatasetIndex = DatasetIndex,
        Name = Name,
        DType = DType,
        Technique = Technique,
        Instrument = Instrument,
        Detector = Detector,
        BeamEnergyKeV = BeamEnergyKeV,
        Acquired = AcquiredMs is { } a ? Iso(a) : null,
        Ingested = Iso(IngestedMs),
        Updated = Iso(UpdatedMs),
        Title = Title,
        Sample = Sample,
        Elements = Elements,
        Description = Description,
        Operator = Operator,
        Project = ProjectName,
        Institution = Institution,
        Visibility = Visibility.Name(),
        EmbargoUntil = EmbargoMs > 0 ? Iso(EmbargoMs) : null,
        Session = SessionId,
        Experiment = ExperimentId,
        Origin = Origin,
        FileSize = FileSize,
        Files = Files,
        Seq = Seq,
        Info = withInfo ? JsonNode.Parse(Info) : null,
    };

    /// <summary>The API form as JSON (<see cref="View"/>).</summary>
    public JsonObject ToJson(bool withInfo = false) => JsonSerializer.SerializeToNode(View(withInfo), JsonSerializerOptions.Web)!.AsObject();

    /// <summary>ISO 8601 UTC with milliseconds.</summary>
    public static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses a date or date-time (ISO 8601) to ms; <see cref="CatalogException"/> names the bad value.</summary>
    public static long ParseTime(string s, string what) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t.ToUnixTimeMilliseconds()
            : throw new CatalogException(CatalogError.Invalid, $"{what} '{s}' is not an ISO 8601 date");

    /// <summary>
    /// The stable id of dataset <paramref name="index"/> of a file; a further copy of the file (ingested into a
    /// project by someone who may not see the records already made of it) names its project in <paramref name="copyOf"/>.
    /// </summary>
    public static string MakeId(string fileSha256, int index, string? copyOf = null) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(
            copyOf is null ? $"{fileSha256}:{index}" : $"{fileSha256}:{index}:{copyOf}")))[..16];

    /// <summary>Descriptor ↔ bytes (float32 little-endian).</summary>
    public static byte[] DescriptorBytes(float[] d) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(d.AsSpan()).ToArray();

    /// <summary>Descriptor from bytes.</summary>
    public static float[] DescriptorFrom(byte[] b) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(b).ToArray();
}
