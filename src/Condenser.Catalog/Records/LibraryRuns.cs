using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Catalog.Storage;
using Condenser.Formats;
using Condenser.Processing.Analyses;

namespace Condenser.Catalog;

/// <summary>What running an analysis on a record left in the library.</summary>
/// <param name="Analysis">The analysis row on the input record (its outputs name the new records).</param>
/// <param name="Records">The result records, in the input's project, linked to the input by their provenance.</param>
public sealed record AnalysisRunOutcome(AnalysisRecord Analysis, IReadOnlyList<string> Records);

/// <summary>Analyses run on records in the library: their results become records of their own.</summary>
public sealed partial class Library
{
    /// <summary>
    /// Runs <paramref name="analysis"/> (one of <see cref="AnalysisRequests.All"/>) with <paramref name="parameters"/> on
    /// record <paramref name="id"/>'s stored data, and stores the result datasets as one EMD file ingested into the
    /// input's project (its previews made, its provenance naming the input record and file) and the run as an analysis
    /// on the input. A contributor's right. Bad parameters are <see cref="CatalogError.Invalid"/>, naming what was wrong.
    /// </summary>
    public AnalysisRunOutcome RunAnalysis(string id, Principal who, string analysis, JsonObject? parameters, Func<string, long, IProgress<double>?>? progress = null, CancellationToken cancel = default)
    {
        var rec = CheckAnalysis(id, who, analysis);
        AnalysisResult result;
        using (var file = OpenFile(rec))
        {
            var run = new AnalysisRun(file.Datasets[rec.DatasetIndex], file.Path, new AnalysisRunOptions
            {
                Progress = progress,
                Cancel = cancel,
                KnownSha256 = rec.FileSha256,
                InputName = rec.FileName,
                InputRecord = rec.Id,
                HashCache = StoreHashes,
            });
            try
            {
                result = AnalysisRequests.Run(analysis, parameters, run);
            }
            catch (ArgumentException e)
            {
                throw new CatalogException(CatalogError.Invalid, e.Message, e);
            }
        }

        cancel.ThrowIfCancellationRequested();
        var folder = Store.NewTempFolder();
        try
        {
            var stem = Path.GetFileNameWithoutExtension(rec.FileName);
            var path = Path.Combine(folder, ObjectStore.SafeName($"{stem} {analysis}.emd"));
            FormatRegistry.WriterFor(path).Write(path, result.Datasets);

            // Results are no more open than their input: private stays private, anything wider starts in the project.
            var outcome = Ingestor.IngestFile(path, who, new IngestOptions
            {
                Project = rec.ProjectName ?? throw new CatalogException(CatalogError.Invalid, $"record {rec.Id} has no project to store results in"),
                Visibility = rec.Visibility == Visibility.Private ? Visibility.Private : Visibility.Project,
                EmbargoMs = rec.EmbargoMs,
                Sample = rec.Sample,
                Elements = rec.Elements,
                Operator = rec.Operator,
                Description = $"{analysis} of {rec.Title ?? rec.FileName} [{rec.DatasetIndex}]",
            }, cancel: cancel);
            if (outcome.Status is not (IngestStatus.Ingested or IngestStatus.Duplicate) || outcome.Ids.Count == 0)
            {
                throw new CatalogException(CatalogError.Invalid, $"the results of {analysis} could not be stored: {outcome.Error}");
            }

            result.Summary["records"] = new JsonArray([.. outcome.Ids.Select(i => JsonValue.Create(i))]);
            var row = RecordAnalysis(rec.Id, who, result);
            return new AnalysisRunOutcome(row, outcome.Ids);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The record <paramref name="id"/> when <paramref name="who"/> may run <paramref name="analysis"/> on it (a contributor of its project, an analysis that exists); else the refusal.</summary>
    public DatasetRecord CheckAnalysis(string id, Principal who, string analysis)
    {
        var rec = Get(id, who, "analyse");
        RequireContributor(rec, who, "run analyses");
        if (AnalysisRequests.All.All(a => a.Name != analysis))
        {
            throw new CatalogException(CatalogError.Invalid, $"no analysis '{Printable(analysis)}': the analyses are {string.Join(", ", AnalysisRequests.All.Select(a => a.Name))}");
        }

        return rec;
    }

    /// <summary>The tree hashes of stored objects (they never change), kept beside the store rather than in the user's cache.</summary>
    private Condenser.Data.Identity.FileHashCache StoreHashes => _storeHashes ??= new Condenser.Data.Identity.FileHashCache(Path.Combine(Store.Root, "hash-cache"));

    private Condenser.Data.Identity.FileHashCache? _storeHashes;
}
