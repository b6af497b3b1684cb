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
public sealed class Federation(Catalog catalog, HttpClient http)
{
    /// <summary>Largest preview accepted from a peer.</summary>
    public const int MaxPreviewBytes = 8 << 20;

    /// <summary>Project that holds federated records.</summary>
    public const string Project = "federated";

    /// <summary>Public, released records changed after <paramref name="since"/>, oldest change first, as JSON-LD; <c>Next</c> is the cursor to pass next time.</summary>
    public (JsonArray Items, long Next) Feed(long since, int limit, string baseUrl)
    {
        if (limit is < 1 or > 1000 || since < 0)
        {
            throw new CatalogException(CatalogError.Invalid, "since must be ≥ 0 and limit 1..1000");
        }

        var rows = catalog.Db.Read(c => c.Query(null,
            $"SELECT {DatasetRecord.Columns}, d.descriptor FROM datasets d WHERE d.seq > @s AND d.visibility = 'public' AND d.embargo_ms <= @now AND d.origin IS NULL ORDER BY d.seq LIMIT @n",
            r => DatasetRecord.Read(r) with { Descriptor = r.Bytes("descriptor") is { } b ? DatasetRecord.DescriptorFrom(b) : null },
            ("s", since), ("now", Clock.NowMs()), ("n", limit)));
        long next = rows.Count > 0 ? rows[^1].Seq : since;
        if (rows.Count < limit)
        {
            // Nothing newer is public now; later changes have higher numbers, so the caller may skip to the top.
            next = Math.Max(next, catalog.Db.Read(c => Convert.ToInt64(c.Scalar(null, "SELECT value FROM counters WHERE name = 'seq'"), System.Globalization.CultureInfo.InvariantCulture)));
        }

        return (new JsonArray(rows.Select(r => (JsonNode)JsonLd.Export(r, baseUrl)).ToArray()), next);
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
        long cursor = catalog.Db.Read(c => c.Scalar(null, "SELECT cursor FROM peers WHERE url = @u", ("u", origin)) is { } v ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0);
        var projectId = catalog.ProjectFor(who, Project);
        int changed = 0;
        while (true)
        {
            JsonNode page;
            try
            {
                page = await http.GetFromJsonAsync<JsonNode>($"{origin}/api/feed?since={cursor}&limit=200", cancel).ConfigureAwait(false)
                    ?? throw new CatalogException(CatalogError.Invalid, $"{origin}: empty feed");
            }
            catch (HttpRequestException e)
            {
                throw new CatalogException(CatalogError.Conflict, $"{origin}: the feed could not be read: {e.Message}", e);
            }

            var items = page["items"]?.AsArray() ?? throw new CatalogException(CatalogError.Invalid, $"{origin}: the feed has no items");
            long next = page["next"]?.GetValue<long>() ?? cursor;
            foreach (var item in items)
            {
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
            if (items.Count == 0 || next <= cursor)
            {
                break;
            }

            cursor = next;
        }

        catalog.Similarity.Invalidate();
        catalog.Index.Invalidate();
        return changed;
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
