using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Catalog.Search;
using Condenser.Catalog.Similarity;
using Condenser.Catalog.Storage;
using Condenser.Formats;
using Condenser.Processing.Analyses;

namespace Condenser.Catalog;

/// <summary>
/// The library of experiments: records in a database (SQLite or PostgreSQL), files in a content-addressed store,
/// previews, similarity, access rules and the audit log. Thread-safe; one per process and data folder.
/// </summary>
public sealed partial class Library : IDisposable
{
    private Library(string dataDirectory, CatalogDb db)
    {
        DataDirectory = dataDirectory;
        Db = db;
        Store = new ObjectStore(Path.Combine(dataDirectory, "store"));
        Users = new Users(db);
        Audit = new AuditLog(db);
        Similarity = new SimilarityIndex(db);
        Index = new SearchIndex(db);
        Ingestor = new Ingestor(this);
    }

    /// <summary>Opens the library in <paramref name="dataDirectory"/> (created when missing) on SQLite there or on the PostgreSQL database named.</summary>
    public static Library Open(string dataDirectory, string? connection = null)
    {
        Directory.CreateDirectory(dataDirectory);
        var db = CatalogDb.Open(connection, dataDirectory);
        try
        {
            return new Library(Path.GetFullPath(dataDirectory), db);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>The default data folder: <c>CONDENSER_DATA</c>, else a per-user folder.</summary>
    public static string DefaultDataDirectory() =>
        Environment.GetEnvironmentVariable("CONDENSER_DATA") is { Length: > 0 } d ? d
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "condenser");

    /// <summary>The data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>The database (internal: every query is a method of the library).</summary>
    internal CatalogDb Db { get; }

    /// <summary>The database in use, in words (the SQLite file, or the PostgreSQL host and database).</summary>
    public string DatabaseDescription => Db.Describe;

    /// <summary>The file store.</summary>
    public ObjectStore Store { get; }

    /// <summary>Users, projects and tokens.</summary>
    public Users Users { get; }

    /// <summary>The audit log.</summary>
    public AuditLog Audit { get; }

    /// <summary>The similarity index.</summary>
    public SimilarityIndex Similarity { get; }

    /// <summary>The search index.</summary>
    public SearchIndex Index { get; }

    /// <summary>The ingester.</summary>
    public Ingestor Ingestor { get; }

    /// <summary>Refuses <paramref name="who"/> unless they may ingest into <paramref name="project"/> (admins anywhere, contributors into their projects); creates nothing.</summary>
    public void CheckIngest(Principal who, string project)
    {
        if (!who.IsAuthenticated)
        {
            throw new CatalogException(CatalogError.Unauthenticated, "ingesting needs a signed-in contributor");
        }

        if (!who.IsAdmin)
        {
            ProjectFor(who, project);
        }
    }

    /// <summary>The project id <paramref name="who"/> may ingest into; admins create missing projects.</summary>
    public string ProjectFor(Principal who, string project)
    {
        if (!who.IsAuthenticated)
        {
            throw new CatalogException(CatalogError.Unauthenticated, "ingesting needs a signed-in contributor");
        }

        if (who.IsAdmin)
        {
            return Db.Write((c, tx) => Access.Users.EnsureProject(c, tx, project, who.Institution));
        }

        var id = Users.ProjectId(project);
        if (who.Role != Role.Contributor || id is null || !who.Projects.Contains(id))
        {
            throw new CatalogException(CatalogError.Forbidden, $"{who.Name} may not ingest into project '{project}' (contributors ingest into their own projects)");
        }

        return id;
    }

    /// <summary>Ids of the records of a stored file (every copy: each project that ingested it has its own).</summary>
    public IReadOnlyList<string> IdsOfFile(string fileSha256) =>
        Db.Read(c => c.Query(null, "SELECT id FROM datasets WHERE file_sha256 = @s ORDER BY project_id, dataset_index", r => r.GetString(0), ("s", fileSha256)));

    /// <summary>
    /// Ids of the records of a stored file that <paramref name="who"/> may read, those of <paramref name="projectId"/>
    /// first (a duplicate is answered with them; a file the caller may not see is no duplicate for them).
    /// </summary>
    public IReadOnlyList<string> IdsOfFileVisibleTo(string fileSha256, Principal who, string? projectId)
    {
        var args = new List<(string Name, object? Value)> { ("s", fileSha256) };
        var acl = AccessRule.Sql(who, args, Clock.NowMs());
        var rows = Db.Read(c => c.Query(null, $"SELECT d.id, d.project_id FROM datasets d WHERE d.file_sha256 = @s AND {acl} ORDER BY d.project_id, d.dataset_index",
            r => (Id: r.GetString(0), Project: r.GetString(1)), [.. args]));
        var own = rows.Where(r => r.Project == projectId).Select(r => r.Id).ToList();
        return own.Count > 0 ? own : rows.GroupBy(r => r.Project).FirstOrDefault()?.Select(r => r.Id).ToList() ?? [];
    }

    /// <summary>Commits the records of one file in one transaction; returns the ids inserted (none when another ingest won the race).</summary>
    public IReadOnlyList<string> Commit(IReadOnlyList<DatasetRecord> records, Principal who, IngestOptions options, IReadOnlyList<(string DatasetId, AnalysisResult Result)>? analyses = null)
    {
        var ids = Db.Write((c, tx) =>
        {
            var inserted = new List<string>();
            foreach (var given in records)
            {
                // Records of an ingest name their project when they commit, so a refused file leaves no new project.
                var rec = given.ProjectId.Length > 0 ? given : given with { ProjectId = Access.Users.EnsureProject(c, tx, options.Project, who.Institution) };
                var institution = c.Scalar(tx, "SELECT institution FROM projects WHERE id = @p", ("p", rec.ProjectId)) as string ?? string.Empty;
                var projectName = c.Scalar(tx, "SELECT name FROM projects WHERE id = @p", ("p", rec.ProjectId)) as string;
                string? experiment = null;
                if (!string.IsNullOrWhiteSpace(options.Experiment))
                {
                    // Created once even when two ingests of one experiment commit at the same time.
                    c.Execute(tx, "INSERT INTO experiments (id, project_id, name, sample, elements, description, goal, instrument, operator, created_ms) VALUES (@id, @p, @n, @s, @el, @d, @g, @i, @o, @t) ON CONFLICT (project_id, name) DO NOTHING",
                        ("id", "e_" + Access.Users.RandomId()), ("p", rec.ProjectId), ("n", options.Experiment), ("s", options.Sample), ("el", DatasetRecord.JoinElements(rec.Elements)),
                        ("d", options.Description), ("g", options.Goal), ("i", rec.Instrument), ("o", options.Operator), ("t", Clock.NowMs()));
                    experiment = c.Scalar(tx, "SELECT id FROM experiments WHERE project_id = @p AND name = @n", ("p", rec.ProjectId), ("n", options.Experiment)) as string;
                }

                // Sessions follow acquisition time; a record without one belongs to none (its ingest time says nothing
                // of when it was acquired).
                var session = rec.AcquiredMs is { } acquired ? RecordWriter.AssignSession(c, tx, rec.ProjectId, rec.Instrument, acquired) : null;
                var full = rec with { Institution = institution, ProjectName = projectName, SessionId = session, ExperimentId = experiment };
                if (RecordWriter.Insert(c, tx, full))
                {
                    inserted.Add(rec.Id);
                    Derivations.RememberTreeHash(c, tx, rec.FileSha256, rec.FileTreeHash);
                    if (rec.Derivation is { } derivation)
                    {
                        Derivations.Insert(c, tx, rec.Id, derivation);
                    }

                    AuditLog.Write(c, tx, new AuditEntry(Clock.NowMs(), who.UserId, "ingest", rec.Id, rec.FileName));
                    foreach (var (datasetId, result) in analyses ?? [])
                    {
                        if (datasetId == rec.Id)
                        {
                            InsertAnalysis(c, tx, full, who.UserId, result);
                        }
                    }
                }
            }

            return inserted;
        });
        Similarity.Invalidate();
        Index.Invalidate();
        return ids;
    }

    /// <summary>
    /// Admins: inserts records described elsewhere as they are — ids, projects (which must exist), institutions,
    /// sessions and descriptors given — in one transaction, with one audit entry; records whose id exists are left as
    /// they are. For bulk imports from another catalogue and for synthetic libraries (<c>condenser bench catalog</c>).
    /// </summary>
    /// <returns>The number of records inserted.</returns>
    public int ImportRecords(IReadOnlyList<DatasetRecord> records, Principal who)
    {
        if (!who.IsAdmin)
        {
            throw new CatalogException(who.IsAuthenticated ? CatalogError.Forbidden : CatalogError.Unauthenticated, "only admins import records in bulk");
        }

        int inserted = Db.Write((c, tx) =>
        {
            foreach (var project in records.Select(r => r.ProjectId).Distinct())
            {
                if (c.Scalar(tx, "SELECT 1 FROM projects WHERE id = @p", ("p", project)) is null)
                {
                    var rec = records.First(r => r.ProjectId == project);
                    throw new CatalogException(CatalogError.Invalid, $"record {Printable(rec.Id)} names project '{Printable(project)}', which this library does not have");
                }
            }

            int n = 0;
            foreach (var rec in records)
            {
                n += RecordWriter.Insert(c, tx, rec) ? 1 : 0;
            }

            AuditLog.Write(c, tx, new AuditEntry(Clock.NowMs(), who.UserId, "import", null, $"{n} records in bulk"));
            return n;
        });
        Similarity.Invalidate();
        Index.Invalidate();
        return inserted;
    }

    /// <summary>A record the caller may see (with its full description); <see cref="CatalogError.NotFound"/> otherwise. Reads of non-public records are audited.</summary>
    public DatasetRecord Get(string id, Principal who, string action = "read")
    {
        var args = new List<(string Name, object? Value)> { ("id", id) };
        var acl = AccessRule.Sql(who, args, Clock.NowMs());
        var rec = Db.Read(c => c.Query(null, $"SELECT {DatasetRecord.Columns}, d.info FROM datasets d WHERE d.id = @id AND {acl}", r => DatasetRecord.Read(r, withInfo: true), [.. args]).FirstOrDefault())
            ?? throw new CatalogException(CatalogError.NotFound, $"no dataset '{Printable(id)}'");
        if (!AccessRule.IsOpen(rec.Visibility, rec.EmbargoMs, Clock.NowMs()))
        {
            Audit.Record(new AuditEntry(Clock.NowMs(), who.UserId, action, rec.Id, null));
        }

        return rec;
    }

    /// <summary>Searches what the caller may see.</summary>
    public SearchResult Search(SearchQuery q, Principal who, bool facets = true)
    {
        var result = DatasetSearch.Run(Db, Index, q, who, facets);
        if (result.Items.Any(r => !AccessRule.IsOpen(r.Visibility, r.EmbargoMs, Clock.NowMs())))
        {
            Audit.Record(new AuditEntry(Clock.NowMs(), who.UserId, "search", null, q.Text));
        }

        return result;
    }

    /// <summary>Records most like <paramref name="id"/> that the caller may see, best first, with cosine scores.</summary>
    public IReadOnlyList<(DatasetRecord Record, float Score)> Similar(string id, Principal who, int count = 10)
    {
        if (count is < 1 or > 100)
        {
            throw new CatalogException(CatalogError.Invalid, "count must be 1..100");
        }

        Get(id, who, "similar");
        int want = (count * 4) + 20;
        while (true)
        {
            var near = Similarity.Nearest(id, want);
            if (near.Count == 0)
            {
                return [];
            }

            var visible = DatasetSearch.Fetch(Db, near.Select(n => n.Id).ToList(), who);
            var result = near.Where(n => visible.ContainsKey(n.Id)).Take(count).Select(n => (visible[n.Id], n.Score)).ToList();
            if (result.Count >= count || near.Count < want)
            {
                return result;
            }

            want *= 4;
        }
    }

    /// <summary>True when <paramref name="who"/> may change the record: admins, its owner, contributors of its project;
    /// a copy federated from another library is changed there.</summary>
    public static bool CanWrite(DatasetRecord rec, Principal who) => rec.Origin is null && CanContribute(rec, who);

    /// <summary>True when <paramref name="who"/> may add annotations and analyses to the record: admins, its owner,
    /// contributors of its project.</summary>
    public static bool CanContribute(DatasetRecord rec, Principal who) =>
        who.IsAdmin || (who.UserId is not null && who.Role != Role.Viewer && (rec.OwnerId == who.UserId || who.Projects.Contains(rec.ProjectId)));

    /// <summary>Changes a record (visibility, embargo, descriptive fields).</summary>
    public DatasetRecord Update(string id, Principal who, RecordPatch patch)
    {
        var rec = Get(id, who);
        if (!who.IsAuthenticated)
        {
            throw new CatalogException(CatalogError.Unauthenticated, "changing a record needs a signed-in user");
        }

        if (!CanWrite(rec, who))
        {
            throw new CatalogException(rec.Origin is null ? CatalogError.Forbidden : CatalogError.Conflict,
                rec.Origin is null ? $"{who.Name} may not change dataset {id}" : $"dataset {id} is a copy federated from {rec.Origin}; change it there");
        }

        var updated = rec with
        {
            Visibility = patch.Visibility ?? rec.Visibility,
            EmbargoMs = patch.EmbargoMs ?? rec.EmbargoMs,
            Title = patch.Title ?? rec.Title,
            Sample = patch.Sample ?? rec.Sample,
            Elements = patch.Elements?.Select(DatasetRecord.NormaliseElement).ToList() ?? rec.Elements,
            Description = patch.Description ?? rec.Description,
            UpdatedMs = Clock.NowMs(),
        };
        Db.Write((c, tx) =>
        {
            long seq = Schema.NextSeq(c, tx);
            c.Execute(tx, "UPDATE datasets SET seq = @seq, visibility = @v, embargo_ms = @e, title = @t, sample = @s, elements = @el, description = @d, updated_ms = @u, published = CASE WHEN (visibility = 'public' AND embargo_ms <= @now) OR (@v = 'public' AND @e <= @now) THEN 1 ELSE published END WHERE id = @id",
                ("now", Clock.NowMs()), ("seq", seq), ("v", updated.Visibility.Name()), ("e", updated.EmbargoMs), ("t", updated.Title), ("s", updated.Sample),
                ("el", DatasetRecord.JoinElements(updated.Elements)), ("d", updated.Description), ("u", updated.UpdatedMs), ("id", id));
            AuditLog.Write(c, tx, new AuditEntry(Clock.NowMs(), who.UserId, "update", id, System.Text.Json.JsonSerializer.Serialize(patch)));
            return 0;
        });
        Similarity.Invalidate();
        Index.Invalidate();
        return Get(id, who);
    }

    /// <summary>Opens the stored file of a record (its companions beside it).</summary>
    public EmFile OpenFile(DatasetRecord rec)
    {
        if (rec.Files.Count == 0 || !rec.Files.All(f => Store.Contains(f.Sha256)))
        {
            throw new CatalogException(CatalogError.NotFound, $"the files of dataset {rec.Id} are not in this library's store" + (rec.Origin is null ? string.Empty : $" (it is federated from {rec.Origin})"));
        }

        var view = Store.View(rec.Files);
        return FormatRegistry.Get(rec.Format).Open(Path.Combine(view, rec.Files[0].Name));
    }

    /// <summary>"condenser x.y.z".</summary>
    public static string SoftwareVersion => "condenser " + (typeof(Library).Assembly.GetName().Version?.ToString(3) ?? "0");

    /// <summary>At most 80 characters of <paramref name="s"/> with control characters as ?, for messages that quote what a caller sent.</summary>
    public static string Printable(string s) => new(s.Take(80).Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());

    /// <inheritdoc/>
    public void Dispose()
    {
        Audit.Dispose();
        Db.Dispose();
    }
}
