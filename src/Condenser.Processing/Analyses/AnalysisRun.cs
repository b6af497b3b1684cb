using System.Text.Json.Nodes;
using Condenser.Data;
using Condenser.Data.Identity;
using Condenser.Processing.MapReduce;

namespace Condenser.Processing.Analyses;

/// <summary>
/// One run of an analysis over a dataset: the positions, workers, I/O path, progress and cancellation its passes use,
/// and the input's identity, made without a pass of its own: from the hash cache when the file is unchanged since it
/// was last hashed, else filled by the first full pass that reads the file (the leaves it could not read are read
/// after it, on every core), then cached.
/// </summary>
public sealed class AnalysisRun
{
    private readonly FileStamp? _stamp;
    private readonly FileHashCache? _cache;
    private FileTreeHash? _hash;
    private string? _tree;
    private string? _sha256;
    private double _passSeconds;
    private long _bytesRead;
    private IoPath? _io;

    /// <summary>A run over <paramref name="dataset"/>, read from <paramref name="sourcePath"/> (null: data that is not a file).</summary>
    public AnalysisRun(EmDataset dataset, string? sourcePath = null, AnalysisRunOptions? options = null)
    {
        Dataset = dataset;
        Options = options ?? new AnalysisRunOptions();
        SourcePath = sourcePath is null ? null : Path.GetFullPath(sourcePath);
        if (SourcePath is not null && Options.Identify)
        {
            _stamp = FileStamp.Of(SourcePath);
            _cache = Options.HashCache ?? FileHashCache.Default;
            (_tree, _sha256) = _cache.Lookup(_stamp);
            _sha256 ??= Options.KnownSha256;
            if (_tree is null)
            {
                _hash = new FileTreeHash(_stamp.Length);
            }
        }
    }

    /// <summary>The dataset analysed.</summary>
    public EmDataset Dataset { get; }

    /// <summary>The settings.</summary>
    public AnalysisRunOptions Options { get; }

    /// <summary>The input file's full path (null for data that is not a file).</summary>
    public string? SourcePath { get; }

    /// <summary>True when the tree hash came from the cache (no hashing at all).</summary>
    public bool IdentityCached => _tree is not null && _hash is null;

    /// <summary>
    /// One pass of <paramref name="reducers"/> over the run's positions (or <paramref name="positions"/>), with a
    /// progress bar named <paramref name="label"/>; <paramref name="costPerByte"/> is the work per byte relative to a
    /// plain read (for progress estimates).
    /// </summary>
    public Reduction Pass(string label, IReadOnlyList<IFrameReducer> reducers, ScanPositions? positions = null, double costPerByte = 1)
    {
        var r = FrameExecutor.Run(Dataset, reducers, new ReductionOptions
        {
            Positions = positions ?? Options.Positions,
            Workers = Options.Workers,
            Io = Options.Io,
            Progress = Options.Progress?.Invoke(label, (long)Math.Min(long.MaxValue / 2, Dataset.ByteLength * costPerByte)),
            Cancel = Options.Cancel,
            Hash = _hash is { IsComplete: false } ? _hash : null,
        });
        _passSeconds += r.Seconds;
        _bytesRead += r.BytesRead;
        _io ??= r.Io;
        return r;
    }

    /// <summary>Throws when cancelled.</summary>
    public void ThrowIfCancelled() => Options.Cancel.ThrowIfCancellationRequested();

    /// <summary>The input's identity: the tree hash finished now if no pass filled it (and cached).</summary>
    public InputIdentity Identity()
    {
        if (SourcePath is null || _stamp is null)
        {
            return new InputIdentity(Options.InputName ?? SourcePath, null, null, null, null, Dataset.Name, Options.InputRecord);
        }

        bool learned = false;
        if (_tree is null && _hash is not null)
        {
            if (!_hash.IsComplete)
            {
                _hash.Fill(SourcePath, Options.Workers, Options.Cancel);
            }

            _tree = _hash.Root();
            learned = true;
        }

        if (_sha256 is null && SmallFileSha256() is { } sha)
        {
            _sha256 = sha;
            learned = true;
        }

        if (learned)
        {
            _cache?.Store(_stamp, _tree, _sha256);
        }

        return new InputIdentity(Options.InputName ?? SourcePath, _stamp.Length, _stamp.Modified, _tree, _sha256, Dataset.Name, Options.InputRecord);
    }

    /// <summary>Files up to this size also get their SHA-256 on the first run (≤ ~40 ms here); larger ones only from the cache.</summary>
    /// <remarks>Units: bytes.</remarks>
    public const long Sha256UpToBytes = 64L << 20;

    private string? SmallFileSha256()
    {
        if (_stamp is null || _stamp.Length > Sha256UpToBytes)
        {
            return null;
        }

        using var stream = new FileStream(SourcePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>The result: <paramref name="datasets"/> with the provenance of <paramref name="analysis"/> written into each.</summary>
    public AnalysisResult Result(string analysis, int version, MetadataTree parameters, IReadOnlyList<EmDataset> datasets, JsonObject? summary = null)
    {
        var positions = Options.Positions is { IsAll: false } p ? p.Count : (long?)null;
        var provenance = new AnalysisProvenance(analysis, version, parameters, [Identity()], positions, DateTime.UtcNow);
        return new AnalysisResult(datasets, provenance, summary ?? [], _passSeconds, _bytesRead, _io);
    }
}

/// <summary>The settings of an analysis run.</summary>
public sealed record AnalysisRunOptions
{
    /// <summary>Scan positions to analyse (null: the whole scan).</summary>
    public ScanPositions? Positions { get; init; }

    /// <summary>Workers (0: every core).</summary>
    public int Workers { get; init; }

    /// <summary>How passes read the file.</summary>
    public IoPath Io { get; init; } = IoPath.Auto;

    /// <summary>A progress sink per pass: label and work in bytes → progress (null: none).</summary>
    public Func<string, long, IProgress<double>?>? Progress { get; init; }

    /// <summary>Cancellation.</summary>
    public CancellationToken Cancel { get; init; }

    /// <summary>Whether to identify the input file by size, time and tree hash (false: by its path alone, for previews of files already identified).</summary>
    public bool Identify { get; init; } = true;

    /// <summary>The hash cache (default: the per-user one).</summary>
    public FileHashCache? HashCache { get; init; }

    /// <summary>The file's SHA-256 when the caller knows it already (the catalogue's stored hash).</summary>
    public string? KnownSha256 { get; init; }

    /// <summary>The name the provenance gives the input file (default: its full path); the library gives the file's own name, not its store's path.</summary>
    public string? InputName { get; init; }

    /// <summary>The catalogue record the input is (its id), written into the provenance as <c>input_record</c>.</summary>
    public string? InputRecord { get; init; }
}
