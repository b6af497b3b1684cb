using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Records;

namespace Condenser.Catalog.Sharing;

/// <summary>
/// Sharing between libraries: the change feed of public records (a <c>since</c> cursor over the change sequence) and
/// pulling another instance's feed into this one. Federated records keep their id, hashes, previews and descriptor,
/// belong to the project <c>federated</c>, are public here, and name their origin; their files stay at the origin.
/// </summary>
public sealed class Federation(Library catalog, HttpClient http)
{
    /// <summary>Largest preview accepted from a peer.</summary>
    public const int MaxPreviewBytes = 8 << 20;

    /// <summary>Project that holds federated records.</summary>
    public const string Project = "federated";

    /// <summary>
    /// What changed for the public after the cursor <paramref name="since"/> (<c>SEQ-TIME</c>, as the previous answer's
    /// <c>Next</c> gave it; a bare number or nothing starts from there): records that are public and released, as
    /// JSON-LD, oldest change first; records once public that no longer are, as retractions (their id alone); and
    /// records whose embargo ended since TIME, whatever their change number.
    /// </summary>
    public (JsonArray Items, string Next) Feed(string? since, int limit, string baseUrl)
    {
        var (seq, time) = ParseCursor(since);
        if (limit is < 1 or > 1000)
        {
            throw new CatalogException(CatalogError.Invalid, "limit must be 1..1000");
        }

        long now = Clock.NowMs();
        string select = $"SELECT {DatasetRecord.Columns}, e.vector AS descriptor, d.published FROM datasets d {Embeddings.DescriptorJoin}";
        DatasetRecord Map(System.Data.Common.DbDataReader r) => DatasetRecord.Read(r) with { Descriptor = r.Bytes("descriptor") is { } b ? DatasetRecord.DescriptorFrom(b) : null };
        var changed = catalog.Db.Read(c => c.Query(null,
            $"{select} WHERE d.seq > @s AND d.origin IS NULL AND (d.visibility = 'public' OR d.published = 1) ORDER BY d.seq LIMIT @n",
            r => (Record: Map(r), Published: r.Int64("published") == 1), ("s", seq), ("n", limit)));
        var released = time <= 0 ? [] : catalog.Db.Read(c => c.Query(null,
            $"{select} WHERE d.seq <= @s AND d.origin IS NULL AND d.visibility = 'public' AND d.embargo_ms > @t AND d.embargo_ms <= @now ORDER BY d.seq",
            Map, ("s", seq), ("t", time), ("now", now)));
        var items = new JsonArray();
        foreach (var r in released)
        {
            items.Add(JsonLd.Export(r, baseUrl));
        }

        foreach (var (r, published) in changed)
        {
            if (AccessRule.IsOpen(r.Visibility, r.EmbargoMs, now))
            {
                items.Add(JsonLd.Export(r, baseUrl));
            }
            else if (published)
            {
                // Once publicly visible (public and past its embargo), so peers may hold it: tell them it is gone. A
                // record that was public only while embargoed was never shown to anyone: nothing to retract.
                items.Add(JsonLd.Retraction(r.Id, baseUrl));
            }
        }

        long next = changed.Count > 0 ? changed[^1].Record.Seq : seq;
        if (changed.Count < limit)
        {
            // Nothing newer is public now; later changes have higher numbers, so the caller may skip to the top.
            next = Math.Max(next, catalog.Db.Read(c => Convert.ToInt64(c.Scalar(null, "SELECT value FROM counters WHERE name = 'seq'"), System.Globalization.CultureInfo.InvariantCulture)));
        }

        return (items, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{next}-{now}"));
    }

    private static (long Seq, long Time) ParseCursor(string? since)
    {
        if (string.IsNullOrEmpty(since))
        {
            return (0, 0);
        }

        var parts = since.Split('-');
        if (parts.Length > 2 || !long.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s)
            || (parts.Length == 2 && !long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            throw new CatalogException(CatalogError.Invalid, $"since='{since}' is not a feed cursor (SEQ or SEQ-TIME, as 'next' gave it)");
        }

        return (s, parts.Length == 2 ? long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    /// <summary>Pulls everything new from a peer's feed; returns how many records were added or updated.</summary>
    public async Task<int> PullAsync(string peerUrl, Principal who, CancellationToken cancel = default)
    {
        if (!who.IsAdmin)
        {
            throw new CatalogException(CatalogError.Forbidden, "only admins federate libraries");
        }

        if (!Uri.TryCreate(peerUrl, UriKind.Absolute, out var peer) || peer.Scheme is not ("http" or "https"))
        {
            throw new CatalogException(CatalogError.Invalid, $"'{peerUrl}' is not an http(s) URL");
        }

        string origin = peer.GetLeftPart(UriPartial.Authority) + peer.AbsolutePath.TrimEnd('/');
        string cursor = catalog.Db.Read(c => c.Scalar(null, "SELECT cursor FROM peers WHERE url = @u", ("u", origin)) as string) ?? "0";
        var projectId = catalog.ProjectFor(who, Project);
        int changed = 0;
        while (true)
        {
            JsonNode page;
            try
            {
                page = await http.GetFromJsonAsync<JsonNode>($"{origin}/api/feed?since={Uri.EscapeDataString(cursor)}&limit=200", cancel).ConfigureAwait(false)
                    ?? throw new CatalogException(CatalogError.Invalid, $"{origin}: empty feed");
            }
            catch (HttpRequestException e)
            {
                throw new CatalogException(CatalogError.Conflict, $"{origin}: the feed could not be read: {e.Message}", e);
            }

            var items = page["items"]?.AsArray() ?? throw new CatalogException(CatalogError.Invalid, $"{origin}: the feed has no items");
            string next = page["next"]?.GetValue<string>() ?? cursor;
            ParseCursor(next);
            foreach (var item in items)
            {
                if (JsonLd.RetractedId(item!) is { } gone)
                {
                    if (Retract(gone, origin, who))
                    {
                        changed++;
                    }

                    continue;
                }

                var rec = JsonLd.Import(item!, projectId, Visibility.Public, origin);
                await FetchPreview(item!["thumbnailUrl"]?.GetValue<string>(), rec.Id, "thumb", origin, cancel).ConfigureAwait(false);
                await FetchPreview(item["image"]?.GetValue<string>(), rec.Id, "preview", origin, cancel).ConfigureAwait(false);
                if (Upsert(rec, who))
                {
                    changed++;
                }
            }

            catalog.Db.Write((c, tx) => c.Execute(tx,
                "INSERT INTO peers (url, cursor, last_ms) VALUES (@u, @c, @t) ON CONFLICT (url) DO UPDATE SET cursor = @c, last_ms = @t",
                ("u", origin), ("c", next), ("t", Clock.NowMs())));
            if (items.Count == 0 || ParseCursor(next).Seq <= ParseCursor(cursor).Seq)
            {
                break;
            }

            cursor = next;
        }

        catalog.Similarity.Invalidate();
        catalog.Index.Invalidate();
        return changed;
    }

    /// <summary>A record its origin no longer shows the public: the copy here becomes private (only admins see it) and loses its previews.</summary>
    private bool Retract(string id, string origin, Principal who)
    {
        bool done = catalog.Db.Write((c, tx) =>
        {
            if (c.Scalar(tx, "SELECT origin FROM datasets WHERE id = @id", ("id", id)) as string != origin)
            {
                return false;
            }

            c.Execute(tx, "UPDATE datasets SET visibility = 'private', owner_id = NULL, seq = @s, updated_ms = @t WHERE id = @id",
                ("s", Schema.NextSeq(c, tx)), ("t", Clock.NowMs()), ("id", id));
            AuditLog.Write(c, tx, new AuditEntry(Clock.NowMs(), who.UserId, "retract", id, origin));
            return true;
        });
        if (done)
        {
            foreach (var kind in Ingest.PreviewSet.Kinds)
            {
                File.Delete(catalog.Store.PreviewPath(id, kind));
            }
        }

        return done;
    }

    /// <summary>Inserts a federated record, or refreshes the copy already federated from the same origin; local records win.</summary>
    private bool Upsert(DatasetRecord rec, Principal who) => catalog.Db.Write((c, tx) =>
    {
        var existing = c.Query(tx, "SELECT origin FROM datasets WHERE id = @id OR (file_sha256 = @f AND dataset_index = @i)",
            r => r.Text("origin"), ("id", rec.Id), ("f", rec.FileSha256), ("i", rec.DatasetIndex));
        if (existing.Count > 0 && existing.Any(o => o != rec.Origin))
        {
            return false;
        }

        if (existing.Count > 0)
        {
            c.Execute(tx, "DELETE FROM datasets WHERE id = @id", ("id", rec.Id));
            Embeddings.Remove(c, tx, rec.Id);
        }

        var projectName = c.Scalar(tx, "SELECT name FROM projects WHERE id = @p", ("p", rec.ProjectId)) as string;
        var session = RecordWriter.AssignSession(c, tx, rec.ProjectId, rec.Instrument, rec.AcquiredMs ?? rec.IngestedMs);
        bool ok = RecordWriter.Insert(c, tx, rec with { ProjectName = projectName, SessionId = session });
        AuditLog.Write(c, tx, new AuditEntry(Clock.NowMs(), who.UserId, "federate", rec.Id, rec.Origin));
        return ok;
    });

    private async Task FetchPreview(string? url, string id, string kind, string origin, CancellationToken cancel)
    {
        if (url is null || !url.StartsWith(origin + "/", StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            using var resp = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
            if (!resp.IsSuccessStatusCode || resp.Content.Headers.ContentLength > MaxPreviewBytes)
            {
                return;
            }

            var bytes = await resp.Content.ReadAsByteArrayAsync(cancel).ConfigureAwait(false);
            if (bytes.Length <= MaxPreviewBytes && bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            {
                catalog.Store.WritePreview(id, kind, bytes);
            }
        }
        catch (HttpRequestException)
        {
            // A record without preview is still worth having.
        }
    }
}
