using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Sharing;

namespace Condenser.Server.Hosting;

/// <summary>
/// The server's periodic work: ingesting files that appear in the drop folder (once their size has been stable for one
/// poll, so a file still being copied is not taken; ingested files move to <c>done/</c>, unreadable ones to
/// <c>failed/</c> with a note), pulling the public records of configured peers, and removing stored objects that no
/// record references (left by an ingest killed before its commit) once they are older than any ingest takes.
/// </summary>
public sealed class BackgroundPolls(Catalog.Library catalog, Federation federation, ServerOptions options, ILogger<BackgroundPolls> log) : BackgroundService
{
    private readonly Dictionary<string, long> _sizes = new(StringComparer.Ordinal);
    private DateTime _nextSweep = DateTime.MinValue;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow >= _nextSweep)
                {
                    _nextSweep = DateTime.UtcNow.AddHours(1);
                    int swept = catalog.SweepOrphans(options.OrphanAge);
                    if (swept > 0)
                    {
                        log.LogInformation("store: removed {Count} objects no record references", swept);
                    }
                }

                if (options.DropFolder is { } drop)
                {
                    PollDrop(drop, stop);
                }

                foreach (var peer in options.Peers)
                {
                    try
                    {
                        int n = await federation.PullAsync(peer, Principal.Local, stop).ConfigureAwait(false);
                        if (n > 0)
                        {
                            log.LogInformation("federation: {Count} records from {Peer}", n, peer);
                        }
                    }
                    catch (Catalog.CatalogException e)
                    {
                        log.LogWarning("federation: {Peer}: {Message}", peer, e.Message);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.LogWarning("drop folder: {Message}", e.Message);
            }

            try
            {
                await Task.Delay(options.PollInterval, stop).ConfigureAwait(false);
            }
            catch (TaskCanceledException)
            {
                return;
            }
        }
    }

    private void PollDrop(string drop, CancellationToken stop)
    {
        Directory.CreateDirectory(drop);
        var done = Path.Combine(drop, "done");
        var failed = Path.Combine(drop, "failed");
        var groups = Condenser.Formats.FormatRegistry.Group(Directory.EnumerateFiles(drop));
        foreach (var (f, cs) in groups)
        {
            stop.ThrowIfCancellationRequested();
            long size = new FileInfo(f).Length + cs.Sum(c => new FileInfo(c).Length);
            bool stable = _sizes.TryGetValue(f, out var before) && before == size;
            _sizes[f] = size;
            if (!stable)
            {
                continue;
            }

            var o = catalog.Ingestor.IngestFile(f, Principal.Local, new IngestOptions { Project = options.DropProject }, cancel: stop);
            var moveTo = o.Status is IngestStatus.Ingested or IngestStatus.Duplicate ? done : failed;
            Directory.CreateDirectory(moveTo);
            foreach (var p in cs.Prepend(f))
            {
                File.Move(p, Path.Combine(moveTo, Path.GetFileName(p)), overwrite: true);
                _sizes.Remove(p);
            }

            if (o.Error is not null)
            {
                File.WriteAllText(Path.Combine(moveTo, Path.GetFileName(f) + ".error.txt"), o.Error);
            }

            log.LogInformation("drop folder: {File} {Status} {Ids}", o.File, o.Status, string.Join(',', o.Ids));
        }
    }
}
