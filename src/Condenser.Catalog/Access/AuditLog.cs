using System.Threading.Channels;
using Condenser.Catalog.Database;

namespace Condenser.Catalog.Access;

/// <summary>One audited action.</summary>
/// <param name="TimeMs">When (ms since 1970 UTC).</param>
/// <param name="UserId">Who (null: anonymous or local).</param>
/// <param name="Action">What: read, download, ingest, update, annotate, export, search….</param>
/// <param name="DatasetId">Which record, if one.</param>
/// <param name="Detail">Anything else worth keeping.</param>
public sealed record AuditEntry(long TimeMs, string? UserId, string Action, string? DatasetId, string? Detail);

/// <summary>
/// The audit log of reads and writes of non-public data. Reads are queued and written in batches (one transaction a
/// batch) so that auditing does not turn every read into a database write; writes are logged inside their own
/// transaction by the code that makes them.
/// </summary>
public sealed class AuditLog : IDisposable
{
    private readonly CatalogDb _db;
    private readonly Channel<AuditEntry> _queue = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.Wait });
    private readonly Task _writer;

    /// <summary>Starts the background writer.</summary>
    public AuditLog(CatalogDb db)
    {
        _db = db;
        _writer = Task.Run(WriteLoop);
    }

    /// <summary>Queues an entry.</summary>
    public void Record(AuditEntry e)
    {
        if (!_queue.Writer.TryWrite(e))
        {
            _queue.Writer.WriteAsync(e).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Writes an entry inside the caller's transaction.</summary>
    public static void Write(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, AuditEntry e) =>
        c.Execute(tx, "INSERT INTO audit (time_ms, user_id, action, dataset_id, detail) VALUES (@t, @u, @a, @d, @x)",
            ("t", e.TimeMs), ("u", e.UserId), ("a", e.Action), ("d", e.DatasetId), ("x", e.Detail));

    /// <summary>The latest entries, newest first (waits for queued ones first).</summary>
    public IReadOnlyList<AuditEntry> Latest(int count, string? datasetId = null)
    {
        Flush();
        return _db.Read(c => c.Query(null,
            "SELECT time_ms, user_id, action, dataset_id, detail FROM audit" + (datasetId is null ? string.Empty : " WHERE dataset_id = @d") + " ORDER BY id DESC LIMIT @n",
            r => new AuditEntry(r.Int64("time_ms"), r.Text("user_id"), r.GetString(2), r.Text("dataset_id"), r.Text("detail")),
            ("n", count), ("d", datasetId)));
    }

    /// <summary>Waits until every queued entry is written.</summary>
    public void Flush()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((_queue.Reader.Count > 0 || Volatile.Read(ref _writing) != 0) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }
    }

    private int _writing;

    private async Task WriteLoop()
    {
        var batch = new List<AuditEntry>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Volatile.Write(ref _writing, 1);
            while (batch.Count < 1000 && _queue.Reader.TryRead(out var e))
            {
                batch.Add(e);
            }

            try
            {
                _db.Write((c, tx) =>
                {
                    foreach (var e in batch)
                    {
                        Write(c, tx, e);
                    }

                    return 0;
                });
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
            {
                Console.Error.WriteLine($"audit: could not write {batch.Count} entries: {ex.Message}");
            }

            batch.Clear();
            Volatile.Write(ref _writing, 0);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writer.Wait(TimeSpan.FromSeconds(30));
    }
}
