using System.Globalization;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;

namespace Condenser.Catalog.Search;

/// <summary>
/// The search index, in process: every record's searchable fields, its access fields and an inverted index of its
/// words, loaded from the database and kept up to date by the change sequence (records written by this process at
/// once, by other processes on the same database within <see cref="RefreshInterval"/>). One scan over the candidate
/// rows applies the filters and the access rule and counts every facet, so a search costs the same on SQLite and on
/// PostgreSQL; the page's records are then read from the database.
/// </summary>
/// <remarks>Memory: roughly 0.5 KiB per record.</remarks>
public sealed class SearchIndex(CatalogDb db)
{
    /// <summary>How stale the index may be before a query looks for records written by other processes.</summary>
    public static TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    private sealed class Entry
    {
        public required string Id;
        public required string ProjectId;
        public string? OwnerId;
        public required string Institution;
        public Visibility Visibility;
        public long EmbargoMs;
        public int Instrument, Signal, Technique, Format, Project, Year, Kev;
        public string? Sample;
        public int[] Elements = [];
        public double? BeamEnergyKeV;
        public long TimeMs, IngestedMs, FileSize;
        public required string FileName;
        public string[] Terms = [];
    }

    private static readonly string[] FacetNames = ["instrument", "signal_type", "technique", "format", "project", "year", "beam_energy_kev", "elements"];

    private readonly ReaderWriterLockSlim _lock = new();
    private readonly List<Entry> _rows = [];
    private readonly Dictionary<string, int> _rowOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _postings = new(StringComparer.Ordinal);
    private readonly List<string>[] _values = Enumerable.Range(0, FacetNames.Length).Select(_ => new List<string> { string.Empty }).ToArray();
    private readonly Dictionary<string, int>[] _codes = Enumerable.Range(0, FacetNames.Length).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal) { [string.Empty] = 0 }).ToArray();
    private string[] _sortedTerms = [];
    private bool _termsDirty;
    private long _seq;
    private DateTime _refreshed = DateTime.MinValue;
    private volatile bool _stale = true;

    /// <summary>Marks the index stale (a record was written by this process).</summary>
    public void Invalidate() => _stale = true;

    /// <summary>Record ids of one page, the number of matches and the facet counts, for what <paramref name="who"/> may see.</summary>
    public (IReadOnlyList<string> Ids, long Total, Dictionary<string, IReadOnlyList<FacetCount>> Facets) Query(SearchQuery q, Principal who, bool facets, long offset)
    {
        Refresh();
        long now = Clock.NowMs();
        var words = Terms.Split(q.Text).Distinct().Take(12).ToList();
        var elements = q.Elements.Select(DatasetRecord.NormaliseElement).ToList();
        _lock.EnterReadLock();
        try
        {
            int n = _rows.Count;
            bool[]? candidate = null;
            foreach (var w in words)
            {
                var hit = new bool[n];
                int i = Array.BinarySearch(_sortedTerms, w, StringComparer.Ordinal);
                for (i = i < 0 ? ~i : i; i < _sortedTerms.Length && _sortedTerms[i].StartsWith(w, StringComparison.Ordinal); i++)
                {
                    foreach (var r in _postings[_sortedTerms[i]])
                    {
                        hit[r] = true;
                    }
                }

                if (candidate is null)
                {
                    candidate = hit;
                }
                else
                {
                    for (int r = 0; r < n; r++)
                    {
                        candidate[r] &= hit[r];
                    }
                }
            }

            int Code(int facet, string? value) => value is null ? -1 : _codes[facet].GetValueOrDefault(value, -2);
            int instrument = Code(0, q.Instrument), signal = Code(1, q.SignalType), technique = Code(2, q.Technique), format = Code(3, q.Format), project = Code(4, q.Project);
            var elementCodes = elements.Select(e => _codes[7].GetValueOrDefault(e, -2)).ToArray();
            var counts = _values.Select(v => new long[v.Count]).ToArray();
            var matches = new List<int>();
            for (int r = 0; r < n; r++)
            {
                if (candidate is not null && !candidate[r])
                {
                    continue;
                }

                var e = _rows[r];
                if ((instrument != -1 && e.Instrument != instrument) || (signal != -1 && e.Signal != signal) || (technique != -1 && e.Technique != technique)
                    || (format != -1 && e.Format != format) || (project != -1 && e.Project != project)
                    || (q.Sample is not null && e.Sample != q.Sample)
                    || (q.BeamEnergyMin is { } lo && !(e.BeamEnergyKeV >= lo)) || (q.BeamEnergyMax is { } hi && !(e.BeamEnergyKeV <= hi))
                    || (q.From is { } from && e.TimeMs < from) || (q.To is { } to && e.TimeMs > to)
                    || !elementCodes.All(c => Array.IndexOf(e.Elements, c) >= 0)
                    || !AccessFilter.CanRead(who, e.ProjectId, e.OwnerId, e.Institution, e.Visibility, e.EmbargoMs, now))
                {
                    continue;
                }

                matches.Add(r);
                if (facets)
                {
                    counts[0][e.Instrument]++;
                    counts[1][e.Signal]++;
                    counts[2][e.Technique]++;
                    counts[3][e.Format]++;
                    counts[4][e.Project]++;
                    counts[5][e.Year]++;
                    counts[6][e.Kev]++;
                    foreach (var el in e.Elements)
                    {
                        counts[7][el]++;
                    }
                }
            }

            var page = Page(matches, q, offset);
            var result = new Dictionary<string, IReadOnlyList<FacetCount>>();
            if (facets)
            {
                for (int f = 0; f < FacetNames.Length; f++)
                {
                    var list = new List<FacetCount>();
                    for (int v = 1; v < counts[f].Length; v++)
                    {
                        if (counts[f][v] > 0)
                        {
                            list.Add(new FacetCount(_values[f][v], counts[f][v]));
                        }
                    }

                    result[FacetNames[f]] = list.OrderByDescending(x => x.Count).ThenBy(x => x.Value, StringComparer.Ordinal).Take(50).ToList();
                }
            }

            return (page, matches.Count, result);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The ids of the page: a bounded heap keeps the first offset + size matches in sort order.</summary>
    private List<string> Page(List<int> matches, SearchQuery q, long offset)
    {
        int keep = (int)Math.Min(matches.Count, offset + q.PageSize);
        if (keep <= offset)
        {
            return [];
        }

        Comparison<int> order = q.Sort switch
        {
            "time" or "acquired" => (a, b) => _rows[a].TimeMs.CompareTo(_rows[b].TimeMs),
            "ingested" => (a, b) => _rows[a].IngestedMs.CompareTo(_rows[b].IngestedMs),
            "name" => (a, b) => string.CompareOrdinal(_rows[a].FileName, _rows[b].FileName),
            "beam_energy" => (a, b) => (_rows[a].BeamEnergyKeV ?? double.NegativeInfinity).CompareTo(_rows[b].BeamEnergyKeV ?? double.NegativeInfinity),
            "size" => (a, b) => _rows[a].FileSize.CompareTo(_rows[b].FileSize),
            _ => throw new CatalogException(CatalogError.Invalid, $"sort '{q.Sort}': use time, ingested, name, beam_energy or size"),
        };
        Comparison<int> full = (a, b) =>
        {
            int c = order(a, b);
            c = c != 0 ? c : string.CompareOrdinal(_rows[a].Id, _rows[b].Id);
            return q.Descending ? -c : c;
        };

        // The heap's root is the worst of the kept ones.
        var heap = new PriorityQueue<int, int>(keep + 1, Comparer<int>.Create((a, b) => full(b, a)));
        foreach (var r in matches)
        {
            if (heap.Count < keep)
            {
                heap.Enqueue(r, r);
            }
            else if (full(r, heap.Peek()) < 0)
            {
                heap.DequeueEnqueue(r, r);
            }
        }

        var kept = new List<int>(heap.Count);
        while (heap.Count > 0)
        {
            kept.Add(heap.Dequeue());
        }

        kept.Reverse();
        return kept.Skip((int)offset).Select(r => _rows[r].Id).ToList();
    }

    /// <summary>Loads what changed since the last load.</summary>
    public void Refresh()
    {
        if (!_stale && DateTime.UtcNow - _refreshed < RefreshInterval)
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            if (!_stale && DateTime.UtcNow - _refreshed < RefreshInterval)
            {
                return;
            }

            _stale = false;
            _refreshed = DateTime.UtcNow;
            var fresh = db.Read(c => c.Query(null, $"SELECT {DatasetRecord.Columns}, d.time_ms FROM datasets d WHERE d.seq > @s ORDER BY d.seq",
                r => (Record: DatasetRecord.Read(r), Time: r.Int64("time_ms")), ("s", _seq)));
            foreach (var (rec, time) in fresh)
            {
                _seq = Math.Max(_seq, rec.Seq);
                Add(rec, time);
            }

            if (_termsDirty)
            {
                _sortedTerms = [.. _postings.Keys.Order(StringComparer.Ordinal)];
                _termsDirty = false;
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private int Intern(int facet, string? value)
    {
        value ??= string.Empty;
        if (!_codes[facet].TryGetValue(value, out var code))
        {
            code = _values[facet].Count;
            _values[facet].Add(value);
            _codes[facet][value] = code;
        }

        return code;
    }

    private void Add(DatasetRecord d, long timeMs)
    {
        var terms = Terms.Of([d.FileName, d.Name, d.Title, d.Sample, d.Description, d.Instrument, d.Detector, d.Format, d.SignalType, d.Technique,
            d.Operator, d.ProjectName, string.Join(' ', d.Elements), d.Id, d.FileSha256]).ToArray();
        var e = new Entry
        {
            Id = d.Id,
            ProjectId = d.ProjectId,
            OwnerId = d.OwnerId,
            Institution = d.Institution,
            Visibility = d.Visibility,
            EmbargoMs = d.EmbargoMs,
            Instrument = Intern(0, d.Instrument),
            Signal = Intern(1, d.SignalType),
            Technique = Intern(2, d.Technique),
            Format = Intern(3, d.Format),
            Project = Intern(4, d.ProjectName),
            Sample = d.Sample,
            Year = InternYear(timeMs),
            Kev = d.BeamEnergyKeV is { } k ? Intern(6, Math.Round(k).ToString(CultureInfo.InvariantCulture)) : 0,
            Elements = d.Elements.Select(x => Intern(7, x)).ToArray(),
            BeamEnergyKeV = d.BeamEnergyKeV,
            TimeMs = timeMs,
            IngestedMs = d.IngestedMs,
            FileSize = d.FileSize,
            FileName = d.FileName,
            Terms = terms,
        };
        if (_rowOf.TryGetValue(d.Id, out var row))
        {
            foreach (var t in _rows[row].Terms)
            {
                _postings[t].Remove(row);
            }

            _rows[row] = e;
        }
        else
        {
            row = _rows.Count;
            _rows.Add(e);
            _rowOf[d.Id] = row;
        }

        foreach (var t in terms)
        {
            if (!_postings.TryGetValue(t, out var list))
            {
                _postings[t] = list = [];
                _termsDirty = true;
            }

            int at = list.BinarySearch(row);
            if (at < 0)
            {
                list.Insert(~at, row);
            }
        }
    }

    private int InternYear(long timeMs) => Intern(5, DateTimeOffset.FromUnixTimeMilliseconds(timeMs).UtcDateTime.Year.ToString(CultureInfo.InvariantCulture));
}
