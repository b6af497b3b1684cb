using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Catalog.Search;
using Condenser.Catalog.Similarity;
using Condenser.Catalog.Storage;
using Condenser.Formats;

namespace Condenser.Catalog;

/// <summary>A change to a record's descriptive fields or access (null: unchanged).</summary>
public sealed record RecordPatch
{
    /// <summary>New visibility.</summary>
    public Visibility? Visibility { get; init; }

    /// <summary>New embargo end (0 lifts it).</summary>
    /// <remarks>Units: ms since 1970 UTC.</remarks>
    public long? EmbargoMs { get; init; }

    /// <summary>New title.</summary>
    public string? Title { get; init; }

    /// <summary>New sample name.</summary>
    public string? Sample { get; init; }

    /// <summary>New element list.</summary>
    public IReadOnlyList<string>? Elements { get; init; }

    /// <summary>New description.</summary>
    public string? Description { get; init; }
}

/// <summary>An annotation (a label or note for people and for training models).</summary>
/// <param name="Id">Id.</param>
/// <param name="User">Author name.</param>
/// <param name="CreatedMs">When (ms since 1970 UTC).</param>
/// <param name="Kind">label, note or region.</param>
/// <param name="Text">The label or text.</param>
/// <param name="Region">Optional JSON geometry in pixel coordinates of the preview.</param>
public sealed record Annotation(long Id, string? User, long CreatedMs, string Kind, string Text, string? Region);

/// <summary>An analysis of a record with its provenance.</summary>
/// <param name="Id">Id.</param>
/// <param name="User">Who ran it.</param>
/// <param name="CreatedMs">When (ms since 1970 UTC).</param>
/// <param name="Name">Analysis name (virtual-image, com, strain…).</param>
/// <param name="Parameters">JSON parameters.</param>
/// <param name="Software">Software and version.</param>
/// <param name="Inputs">JSON list of inputs by hash.</param>
/// <param name="Outputs">JSON list of outputs (names, hashes, values).</param>
public sealed record AnalysisRecord(long Id, string? User, long CreatedMs, string Name, string Parameters, string Software, string Inputs, string Outputs);

/// <summary>
/// The library of experiments: records in a database (SQLite or PostgreSQL), files in a content-addressed store,
/// previews, similarity, access rules and the audit log. Thread-safe; one per process and data folder.
/// </summary>
public sealed class Catalog : IDisposable
{
    private Catalog(string dataDirectory, CatalogDb db)
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
    public static Catalog Open(string dataDirectory, string? connection = null)
    {
        Directory.CreateDirectory(dataDirectory);
        var db = CatalogDb.Open(connection, dataDirectory);
        try
        {
            return new Catalog(Path.GetFullPath(dataDirectory), db);
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

    /// <summary>The database.</summary>
    public CatalogDb Db { get; }

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

    /// <summary>Ids of the records of a stored file.</summary>
    public IReadOnlyList<string> IdsOfFile(string fileSha256) =>
        Db.Read(c => c.Query(null, "SELECT id FROM datasets WHERE file_sha256 = @s ORDER BY dataset_index", r => r.GetString(0), ("s", fileSha256)));

    /// <summary>Commits the records of one file in one transaction; returns the ids inserted (none when another ingest won the race).</summary>
    public IReadOnlyList<string> Commit(IReadOnlyList<DatasetRecord> records, Principal who, IngestOptions options)
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

                var session = RecordWriter.AssignSession(c, tx, rec.ProjectId, rec.Instrument, rec.AcquiredMs ?? rec.IngestedMs);
                var full = rec with { Institution = institution, ProjectName = projectName, SessionId = session, ExperimentId = experiment };
                if (RecordWriter.Insert(c, tx, full))
                {
                    inserted.Add(rec.Id);
                    AuditLog.Write(c, tx, new AuditEntry(Clock.NowMs(), who.UserId, "ingest", rec.Id, rec.FileName));
                }
            }

            return inserted;
        });
        Similarity.Invalidate();
        Index.Invalidate();
        return ids;
    }

    /// <summary>A record the caller may see (with its full description); <see cref="CatalogError.NotFound"/> otherwise. Reads of non-public records are audited.</summary>
    public DatasetRecord Get(string id, Principal who, string action = "read")
    {
        var args = new List<(string Name, object? Value)> { ("id", id) };
        var acl = AccessFilter.Sql(who, args, Clock.NowMs());
        var rec = Db.Read(c => c.Query(null, $"SELECT {DatasetRecord.Columns}, d.info FROM datasets d WHERE d.id = @id AND {acl}", r => DatasetRecord.Read(r, withInfo: true), [.. args]).FirstOrDefault())
            ?? throw new CatalogException(CatalogError.NotFound, $"no dataset '{Printable(id)}'");
        if (!AccessFilter.IsOpen(rec.Visibility, rec.EmbargoMs, Clock.NowMs()))
        {
            Audit.Record(new AuditEntry(Clock.NowMs(), who.UserId, action, rec.Id, null));
        }

        return rec;
    }

    /// <summary>Searches what the caller may see.</summary>
    public SearchResult Search(SearchQuery q, Principal who, bool facets = true)
    {
        var result = DatasetSearch.Run(Db, Index, q, who, facets);
        if (result.Items.Any(r => !AccessFilter.IsOpen(r.Visibility, r.EmbargoMs, Clock.NowMs())))
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

    /// <summary>True when <paramref name="who"/> may change the record: admins, its owner, contributors of its project.</summary>
    public static bool CanWrite(DatasetRecord rec, Principal who) =>
        rec.Origin is null && (who.IsAdmin || (who.UserId is not null && who.Role != Role.Viewer && (rec.OwnerId == who.UserId || who.Projects.Contains(rec.ProjectId))));

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
            c.Execute(tx, "UPDATE datasets SET seq = @seq, visibility = @v, embargo_ms = @e, title = @t, sample = @s, elements = @el, description = @d, updated_ms = @u, published = CASE WHEN @v = 'public' THEN 1 ELSE published END WHERE id = @id",
                ("seq", seq), ("v", updated.Visibility.Name()), ("e", updated.EmbargoMs), ("t", updated.Title), ("s", updated.Sample),
                ("el", DatasetRecord.JoinElements(updated.Elements)), ("d", updated.Description), ("u", updated.UpdatedMs), ("id", id));
            AuditLog.Write(c, tx, new AuditEntry(Clock.NowMs(), who.UserId, "update", id, System.Text.Json.JsonSerializer.Serialize(patch)));
            return 0;
        });
        Similarity.Invalidate();
        Index.Invalidate();
        return Get(id, who);
    }

    /// <summary>Adds an annotation (contributors of the record's project and admins; viewers may not).</summary>
    public Annotation Annotate(string id, Principal who, string kind, string text, string? region)
    {
        var rec = Get(id, who);
        RequireContributor(who, "annotate");

        if (kind is not ("label" or "note" or "region") || string.IsNullOrWhiteSpace(text) || text.Length > 10_000 || (region?.Length ?? 0) > 100_000)
        {
            throw new CatalogException(CatalogError.Invalid, "an annotation has kind label, note or region and 1..10000 characters of text");
        }

        if (region is not null)
        {
            try
            {
                JsonNode.Parse(region);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new CatalogException(CatalogError.Invalid, $"region is not JSON: {e.Message}", e);
            }
        }

        long now = Clock.NowMs();
        Db.Write((c, tx) =>
        {
            c.Execute(tx, "INSERT INTO annotations (dataset_id, user_id, created_ms, kind, text, region) VALUES (@d, @u, @t, @k, @x, @r)",
                ("d", rec.Id), ("u", who.UserId), ("t", now), ("k", kind), ("x", text), ("r", region));
            AuditLog.Write(c, tx, new AuditEntry(now, who.UserId, "annotate", rec.Id, kind));
            return 0;
        });
        return Annotations(id, who).Last();
    }

    /// <summary>Signed-in contributors and admins may add to records they can see (labels, analyses); viewers may not.</summary>
    private static void RequireContributor(Principal who, string what)
    {
        if (!who.IsAuthenticated)
        {
            throw new CatalogException(CatalogError.Unauthenticated, $"to {what} you must sign in");
        }

        if (!(who.IsAdmin || (who.UserId is not null && who.Role != Role.Viewer)))
        {
            throw new CatalogException(CatalogError.Forbidden, $"{who.Name} may not {what} (viewers read only)");
        }
    }

    /// <summary>The annotations of a record the caller may see.</summary>
    public IReadOnlyList<Annotation> Annotations(string id, Principal who)
    {
        var rec = Get(id, who, "read-annotations");
        return Db.Read(c => c.Query(null,
            "SELECT a.id, u.name, a.created_ms, a.kind, a.text, a.region FROM annotations a LEFT JOIN users u ON u.id = a.user_id WHERE a.dataset_id = @d ORDER BY a.id",
            r => new Annotation(r.Int64("id"), r.Text("name"), r.Int64("created_ms"), r.GetString(3), r.GetString(4), r.Text("region")), ("d", rec.Id)));
    }

    /// <summary>Records an analysis of a record with its provenance.</summary>
    public AnalysisRecord RecordAnalysis(string id, Principal who, string name, JsonNode parameters, JsonNode outputs, string? software = null)
    {
        var rec = Get(id, who);
        RequireContributor(who, "record analyses");

        var inputs = new JsonArray(new JsonObject { ["dataset"] = rec.Id, ["sha256"] = rec.FileSha256, ["data_sha256"] = rec.DataSha256 });
        long now = Clock.NowMs();
        Db.Write((c, tx) =>
        {
            c.Execute(tx, "INSERT INTO analyses (dataset_id, user_id, created_ms, analysis, parameters, software, inputs, outputs) VALUES (@d, @u, @t, @a, @p, @s, @i, @o)",
                ("d", rec.Id), ("u", who.UserId), ("t", now), ("a", name), ("p", parameters.ToJsonString()), ("s", software ?? SoftwareVersion),
                ("i", inputs.ToJsonString()), ("o", outputs.ToJsonString()));
            AuditLog.Write(c, tx, new AuditEntry(now, who.UserId, "analysis", rec.Id, name));
            return 0;
        });
        return Analyses(id, who).Last();
    }

    /// <summary>The analyses of a record.</summary>
    public IReadOnlyList<AnalysisRecord> Analyses(string id, Principal who)
    {
        var rec = Get(id, who, "read-analyses");
        return Db.Read(c => c.Query(null,
            "SELECT a.id, u.name, a.created_ms, a.analysis, a.parameters, a.software, a.inputs, a.outputs FROM analyses a LEFT JOIN users u ON u.id = a.user_id WHERE a.dataset_id = @d ORDER BY a.id",
            r => new AnalysisRecord(r.Int64("id"), r.Text("name"), r.Int64("created_ms"), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7)), ("d", rec.Id)));
    }

    /// <summary>Opens the stored file of a record (its companions beside it).</summary>
    public EmFile OpenFile(DatasetRecord rec)
    {
        if (rec.Files.Count == 0 || !rec.Files.All(f => Store.Contains(f.Sha256)))
        {
            throw new CatalogException(CatalogError.NotFound, $"the files of dataset {rec.Id} are not in this library's store" + (rec.Origin is null ? string.Empty : $" (it is federated from {rec.Origin})"));
        }

        var view = Store.View(rec.FileSha256, rec.Files);
        return FormatRegistry.Get(rec.Format).Open(Path.Combine(view, rec.Files[0].Name));
    }

    /// <summary>"condenser x.y.z".</summary>
    public static string SoftwareVersion => "condenser " + (typeof(Catalog).Assembly.GetName().Version?.ToString(3) ?? "0");

    private static string Printable(string s) => new(s.Take(80).Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());

    /// <inheritdoc/>
    public void Dispose()
    {
        Audit.Dispose();
        Db.Dispose();
    }
}
