using System.Text.Json.Serialization;
using System.Globalization;
using Condenser.Catalog.Access;
using Condenser.Catalog.Records;
using Condenser.Catalog.Storage;
using Condenser.Data;
using Condenser.Formats;
using Condenser.Processing.Analyses;

namespace Condenser.Catalog.Ingest;

/// <summary>What the ingester is told beyond the files.</summary>
public sealed record IngestOptions
{
    /// <summary>Project the records belong to (created when the caller is an admin and it is missing).</summary>
    public string Project { get; init; } = "default";

    /// <summary>Initial visibility; ingested data is private to its project unless said otherwise.</summary>
    public Visibility Visibility { get; init; } = Visibility.Project;

    /// <summary>Embargo end (0: none).</summary>
    /// <remarks>Units: ms since 1970 UTC.</remarks>
    public long EmbargoMs { get; init; }

    /// <summary>Experiment name (records of one experiment share sample and goal); null: none.</summary>
    public string? Experiment { get; init; }

    /// <summary>Sample name.</summary>
    public string? Sample { get; init; }

    /// <summary>Element symbols of the sample.</summary>
    public IReadOnlyList<string> Elements { get; init; } = [];

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>The experiment's goal.</summary>
    public string? Goal { get; init; }

    /// <summary>Who acquired the data.</summary>
    public string? Operator { get; init; }

    /// <summary>Largest file accepted.</summary>
    /// <remarks>Units: bytes.</remarks>
    public long MaxFileBytes { get; init; } = 64L << 30;
}

/// <summary>What happened to one file.</summary>
/// <param name="File">The file's name (as given).</param>
/// <param name="Status">ingested, duplicate, skipped (not a microscopy file, in a folder) or failed.</param>
/// <param name="Ids">Record ids (new, or the existing ones for a duplicate).</param>
/// <param name="Error">Why it was skipped or failed.</param>
public sealed record IngestOutcome(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("status")] IngestStatus Status,
    [property: JsonPropertyName("ids")] IReadOnlyList<string> Ids,
    [property: JsonPropertyName("error")] string? Error = null)
{
    /// <summary>The JSON form the CLI prints and the upload endpoint answers.</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() => System.Text.Json.JsonSerializer.SerializeToNode(this)!.AsObject();
}

/// <summary>
/// Ingest: detects the format, stores the file and its companions in the content-addressed store, recognises
/// duplicates by SHA-256, opens the stored copy, computes statistics, previews and descriptors, and commits all records
/// of the file in one transaction; what was acknowledged survives a crash, what was not leaves no record.
/// </summary>
public sealed class Ingestor(Library catalog)
{
    /// <summary>Ingests files and folders (recursively). Companion files are stored with their main file, not on their own.</summary>
    public IReadOnlyList<IngestOutcome> IngestPaths(IEnumerable<string> paths, Principal who, IngestOptions options, IProgress<IngestOutcome>? progress = null, CancellationToken cancel = default)
    {
        var outcomes = new List<IngestOutcome>();
        var gate = new Lock();
        foreach (var p in paths)
        {
            if (!Directory.Exists(p))
            {
                var o = IngestFile(p, who, options, cancel: cancel);
                outcomes.Add(o);
                progress?.Report(o);
                continue;
            }

            // Companions first (headers only), so that every main file can go to a worker of its own.
            var mains = FormatRegistry.Group(Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories)).Select(g => g.Main).ToList();
            var results = new IngestOutcome[mains.Count];
            try
            {
                Parallel.For(0, mains.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancel }, i =>
                {
                    results[i] = IngestFile(mains[i], who, options, inFolder: true, cancel: cancel);
                    if (results[i].Status != IngestStatus.Skipped)
                    {
                        lock (gate)
                        {
                            progress?.Report(results[i]);
                        }
                    }
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // A refusal (not signed in, not allowed) is the same for every file: report it as itself.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
            outcomes.AddRange(results.Where(o => o.Status != IngestStatus.Skipped));
        }

        return outcomes;
    }

    /// <summary>Ingests one file (with the companions its format reads beside it).</summary>
    /// <param name="path">The file.</param>
    /// <param name="who">The caller: a contributor of the project, or an admin.</param>
    /// <param name="options">Project, visibility and description.</param>
    /// <param name="displayName">The original name when <paramref name="path"/> is a temporary copy.</param>
    /// <param name="inFolder">True when walking a folder: files Condenser does not read are skipped quietly.</param>
    /// <param name="cancel">Cancels between steps.</param>
    public IngestOutcome IngestFile(string path, Principal who, IngestOptions options, string? displayName = null, bool inFolder = false, CancellationToken cancel = default)
    {
        string name = displayName ?? Path.GetFileName(path);
        try
        {
            catalog.CheckIngest(who, options.Project);
            if (new FileInfo(path).Length > options.MaxFileBytes)
            {
                throw new CatalogException(CatalogError.TooLarge, $"{name}: {new FileInfo(path).Length} bytes is more than the {options.MaxFileBytes} bytes this library accepts");
            }

            IEmFormat format;
            try
            {
                format = FormatRegistry.Detect(path);
            }
            catch (EmFileException e)
            {
                if (inFolder)
                {
                    return new IngestOutcome(name, IngestStatus.Skipped, [], e.Message);
                }

                throw new CatalogException(CatalogError.Unreadable, $"{name}: {e.Message}", e);
            }

            var companions = format.Companions(path);

            var (sha, size, created, treeHash) = catalog.Store.Put(path, cancel);
            var projectId = who.IsAdmin ? null : catalog.Users.ProjectId(options.Project);
            string? copyOf = null;
            if (catalog.IdsOfFile(sha).Count > 0)
            {
                var visible = catalog.IdsOfFileVisibleTo(sha, who, projectId);
                if (visible.Count > 0)
                {
                    return new IngestOutcome(name, IngestStatus.Duplicate, visible);
                }

                // Records of these bytes exist that the caller may not read: naming them would say that they exist.
                // The caller gets a copy of their own, in their project, pointing at the same stored object.
                copyOf = projectId;
            }

            var files = new List<StoredFile> { new(ObjectStore.SafeName(name), sha, size) };
            var fresh = created ? new List<string> { sha } : [];
            try
            {
                foreach (var cpath in companions)
                {
                    var (csha, csize, ccreated, _) = catalog.Store.Put(cpath, cancel);
                    files.Add(new StoredFile(ObjectStore.SafeName(Path.GetFileName(cpath)), csha, csize));
                    if (ccreated)
                    {
                        fresh.Add(csha);
                    }
                }

                var analyses = new List<(string DatasetId, AnalysisResult Result)>();
                var records = Describe(files, format, who, options, copyOf, analyses, cancel).Select(r => r with { FileTreeHash = treeHash }).ToList();
                var ids = catalog.Commit(records, who, options, analyses);
                return new IngestOutcome(name, ids.Count > 0 ? IngestStatus.Ingested : IngestStatus.Duplicate, ids.Count > 0 ? ids : catalog.IdsOfFileVisibleTo(sha, who, projectId));
            }
            catch
            {
                // Nothing of a file that could not be ingested stays behind: its objects, view and previews go.
                var previews = Enumerable.Range(0, 64).Select(i => DatasetRecord.MakeId(sha, i, copyOf)).ToList();
                foreach (var s in fresh)
                {
                    catalog.Store.Remove(s, previews);
                }

                catalog.Store.RemovePreviews(previews);

                throw;
            }
        }
        catch (CatalogException e)
        {
            if (e.Error is CatalogError.Forbidden or CatalogError.Unauthenticated)
            {
                throw;
            }

            return new IngestOutcome(name, IngestStatus.Failed, [], Clean(e.Message));
        }
        catch (Exception e) when (e is EmFileException or IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or NotSupportedException or OverflowException or InvalidOperationException)
        {
            return new IngestOutcome(name, IngestStatus.Failed, [], $"{name}: {Clean(e.Message)}");
        }
    }

    /// <summary>A message without the store's internal paths (the file's own name says enough).</summary>
    private string Clean(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, System.Text.RegularExpressions.Regex.Escape(catalog.Store.Root) + @"/(views/[0-9a-f]{64}(-[0-9a-f]{16})?|tmp/[0-9a-f]{32})/", string.Empty);

    /// <summary>Opens the stored copy and describes every dataset; previews are written to the store before the records are committed.</summary>
    private List<DatasetRecord> Describe(List<StoredFile> files, IEmFormat format, Principal who, IngestOptions options, string? copyOf, List<(string DatasetId, AnalysisResult Result)> analyses, CancellationToken cancel)
    {
        var view = catalog.Store.View(files);
        using var file = format.Open(Path.Combine(view, files[0].Name));
        var records = new List<DatasetRecord>();
        long now = Clock.NowMs();
        for (int i = 0; i < file.Datasets.Count; i++)
        {
            var ds = file.Datasets[i];
            var summary = DatasetSummary.Compute(ds, cancel);
            var info = DatasetDescription.Describe(ds, summary, original: true);
            var id = DatasetRecord.MakeId(files[0].Sha256, i, copyOf);
            PreviewSet? previews = null;
            try
            {
                previews = PreviewSet.For(ds, cancel);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException or NotSupportedException)
            {
                Console.Error.WriteLine($"ingest: no preview for {files[0].Name} [{i}]: {e.Message}");
            }

            if (previews?.BrightField is { } brightField)
            {
                analyses.Add((id, brightField));
            }

            if (previews is not null)
            {
                catalog.Store.WritePreview(id, "preview", previews.Preview);
                catalog.Store.WritePreview(id, "thumb", previews.Thumbnail);
                if (previews.Pattern is not null)
                {
                    catalog.Store.WritePreview(id, "pattern", previews.Pattern);
                }

                if (previews.VirtualImage is not null)
                {
                    catalog.Store.WritePreview(id, "virtual", previews.VirtualImage);
                }
            }

            var md = ds.Metadata;
            records.Add(new DatasetRecord
            {
                Id = id,
                FileSha256 = files[0].Sha256,
                DatasetIndex = i,
                DataSha256 = summary.Sha256,
                FileName = files[0].Name,
                FileSize = files[0].Size,
                Files = files,
                Format = format.Name,
                Name = ds.Name,
                Shape = ds.Shape.Dimensions.ToArray(),
                NavigationDims = ds.Shape.Navigation.Count,
                DType = ds.DType.Name(),
                SignalType = md.SignalType ?? string.Empty,
                Technique = md.Technique,
                Instrument = md.Instrument?.Trim() ?? string.Empty,
                Detector = md.Detector,
                BeamEnergyKeV = md.BeamEnergyKeV,
                AcquiredMs = ParseAcquired(md.Acquired),
                IngestedMs = now,
                UpdatedMs = now,
                Title = md.Title,
                Sample = options.Sample,
                Elements = options.Elements.Select(DatasetRecord.NormaliseElement).ToList(),
                Description = options.Description,
                Operator = options.Operator,
                ProjectId = string.Empty, // named when the records commit
                OwnerId = who.UserId,
                Visibility = options.Visibility,
                EmbargoMs = options.EmbargoMs,
                Info = info.ToJsonString(),
                Descriptor = previews?.Descriptor,
                Derivation = ds.OriginalMetadata.ContainsKey("provenance") ? Derivation.From(MetadataJson.Tree(ds.OriginalMetadata.Child("provenance"))) : null,
            });
        }

        return records;
    }

    /// <summary>The acquisition time the reader normalised (ISO 8601), in ms; null when absent or unreadable.</summary>
    public static long? ParseAcquired(string? s) =>
        s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t.ToUnixTimeMilliseconds() : null;
}
