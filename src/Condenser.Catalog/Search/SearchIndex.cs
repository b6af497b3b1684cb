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
/// <remarks>Memory: the managed heap of a server on 100,000 records is about 360 MB (indexes included).</remarks>
public sealed class SearchIndex(CatalogDb db)
{
    /// <summary>How stale the index may be before a query looks for records written by other processes.</summary>
    public static TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    // One array per field (structure of arrays): a scan over 100,000 rows then streams through memory instead of
    // chasing one object per row.
    private int _n;
    private string[] _id = [], _fileName = [];
    private List<int>[][] _terms = [];
    private ulong[] _elementsLow = [], _elementsHigh = [];
    private int[] _instrument = [], _signal = [], _technique = [], _format = [], _project = [], _year = [], _kev = [], _sampleCode = [];
    private int[] _projectCode = [], _ownerCode = [], _institutionCode = [];
    private int[] _nameRank = [];
    private bool _nameRankStale;
    private readonly Lock _rankGate = new();
    private Visibility[] _visibility = [];
    private long[] _embargo = [], _time = [], _ingested = [], _size = [];
    private double[] _energy = [];

    private static readonly string[] FacetNames = ["instrument", "signal_type", "technique", "format", "project", "year", "beam_energy_kev", "elements", "sample"];

    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, int> _rowOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _postings = new(StringComparer.Ordinal);
    private readonly List<string>[] _values = Enumerable.Range(0, FacetNames.Length).Select(_ => new List<string> { string.Empty }).ToArray();
    private readonly Dictionary<string, int>[] _codes = Enumerable.Range(0, FacetNames.Length).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal) { [string.Empty] = 0 }).ToArray();
    private readonly Dictionary<string, int> _projectCodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ownerCodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _institutionCodes = new(StringComparer.Ordinal) { [string.Empty] = 0 };
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
            int n = _n;
            List<int>? candidates = null;
            foreach (var w in words)
            {
                // The rows of every indexed word that starts with w; all words of the query must match.
                var rows = new List<int>();
                int i = Array.BinarySearch(_sortedTerms, w, StringComparer.Ordinal);
                int termsMatched = 0;
                for (i = i < 0 ? ~i : i; i < _sortedTerms.Length && _sortedTerms[i].StartsWith(w, StringComparison.Ordinal); i++)
                {
                    rows.AddRange(_postings[_sortedTerms[i]]);
                    termsMatched++;
                }

                if (termsMatched > 1)
                {
                    rows.Sort();
                    rows = Dedupe(rows);
                }

                candidates = candidates is null ? rows : Intersect(candidates, rows);
            }

            int Code(int facet, string? value) => value is null ? -1 : _codes[facet].GetValueOrDefault(value, -2);
            int instrument = Code(0, q.Instrument), signal = Code(1, q.SignalType), technique = Code(2, q.Technique), format = Code(3, q.Format), project = Code(4, q.Project), sample = Code(8, q.Sample), year = Code(5, q.Year);
            var (wantLow, wantHigh) = ElementMask(elements);
            var counts = _values.Select(v => new long[v.Count]).ToArray();
            var elementCounts = new long[128];

            // The access rule (AccessRule) on codes: the caller's projects, id and institution looked up once.
            bool admin = who.IsAdmin, signedIn = who.UserId is not null;
            var member = new bool[_projectCodes.Count];
            foreach (var pid in who.Projects)
            {
                if (_projectCodes.TryGetValue(pid, out var pc))
                {
                    member[pc] = true;
                }
            }

            int me = who.UserId is not null && _ownerCodes.TryGetValue(who.UserId, out var oc) ? oc : -2;
            int myInstitution = who.Institution.Length > 0 && _institutionCodes.TryGetValue(who.Institution, out var ic) ? ic : -2;
            bool filtered = instrument != -1 || signal != -1 || technique != -1 || format != -1 || project != -1 || sample != -1 || year != -1
                || q.BeamEnergyMin is not null || q.BeamEnergyMax is not null || q.From is not null || q.To is not null || (wantLow | wantHigh) != 0;
            // Pooled: a fresh 400 KB list per query would land on the large-object heap and bring full collections.
            var pooled = System.Buffers.ArrayPool<int>.Shared.Rent(Math.Max(1, candidates?.Count ?? n));
            int matched = 0;
            int count = candidates?.Count ?? n;
            for (int k = 0; k < count; k++)
            {
                int r = candidates is null ? k : candidates[k];
                // Records anyone may read are decided without looking the caller up (most of an anonymous search).
                var v = _visibility[r];
                bool released = _embargo[r] <= now;
                if (!admin && !AccessRule.Allows(false, v, released, false, false, false)
                    && !(signedIn && AccessRule.Allows(false, v, released, _ownerCode[r] == me, member[_projectCode[r]], _institutionCode[r] == myInstitution)))
                {
                    continue;
                }

                if (filtered && ((instrument != -1 && _instrument[r] != instrument) || (signal != -1 && _signal[r] != signal) || (technique != -1 && _technique[r] != technique)
                    || (format != -1 && _format[r] != format) || (project != -1 && _project[r] != project)
                    || (sample != -1 && _sampleCode[r] != sample) || (year != -1 && _year[r] != year)
                    || (q.BeamEnergyMin is { } lo && !(_energy[r] >= lo)) || (q.BeamEnergyMax is { } hi && !(_energy[r] <= hi))
                    || (q.From is { } from && _time[r] < from) || (q.To is { } to && _time[r] > to)
                    || (_elementsLow[r] & wantLow) != wantLow || (_elementsHigh[r] & wantHigh) != wantHigh))
                {
                    continue;
                }

                pooled[matched++] = r;
                if (facets)
                {
                    counts[0][_instrument[r]]++;
                    counts[1][_signal[r]]++;
                    counts[2][_technique[r]]++;
                    counts[3][_format[r]]++;
                    counts[4][_project[r]]++;
                    counts[5][_year[r]]++;
                    counts[6][_kev[r]]++;
                    counts[8][_sampleCode[r]]++;
                    for (ulong m = _elementsLow[r]; m != 0; m &= m - 1)
                    {
                        elementCounts[System.Numerics.BitOperations.TrailingZeroCount(m)]++;
                    }

                    for (ulong m = _elementsHigh[r]; m != 0; m &= m - 1)
                    {
                        elementCounts[64 + System.Numerics.BitOperations.TrailingZeroCount(m)]++;
                    }
                }
            }

            var page = Page(new ArraySegment<int>(pooled, 0, matched), q, offset);
            System.Buffers.ArrayPool<int>.Shared.Return(pooled);
            var result = new Dictionary<string, IReadOnlyList<FacetCount>>();
            if (facets)
            {
                for (int f = 0; f < FacetNames.Length; f++)
                {
                    if (FacetNames[f] == "elements")
                    {
                        result["elements"] = Enumerable.Range(0, DatasetRecord.ElementSymbols.Length).Where(i => elementCounts[i] > 0)
                            .Select(i => new FacetCount(DatasetRecord.ElementSymbols[i], elementCounts[i]))
                            .OrderByDescending(x => x.Count).ThenBy(x => x.Value, StringComparer.Ordinal).Take(50).ToList();
                        continue;
                    }

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

            return (page, matched, result);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Elements as a 128-bit set over the periodic table (bit = atomic number − 1).</summary>
    private static (ulong Low, ulong High) ElementMask(IEnumerable<string> elements)
    {
        ulong low = 0, high = 0;
        foreach (var e in elements)
        {
            int z = Array.IndexOf(DatasetRecord.ElementSymbols, e);
            if (z >= 64)
            {
                high |= 1UL << (z - 64);
            }
            else if (z >= 0)
            {
                low |= 1UL << z;
            }
        }

        return (low, high);
    }

    private static List<int> Dedupe(List<int> sorted)
    {
        var o = new List<int>(sorted.Count);
        foreach (var r in sorted)
        {
            if (o.Count == 0 || o[^1] != r)
            {
                o.Add(r);
            }
        }

        return o;
    }

    private static List<int> Intersect(List<int> a, List<int> b)
    {
        var o = new List<int>(Math.Min(a.Count, b.Count));
        for (int i = 0, j = 0; i < a.Count && j < b.Count;)
        {
            if (a[i] == b[j])
            {
                o.Add(a[i]);
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return o;
    }

    /// <summary>The ids of the page: a bounded heap keeps the first offset + size matches in sort order.</summary>
    private List<string> Page(ArraySegment<int> matches, SearchQuery q, long offset)
    {
        int keep = (int)Math.Min(matches.Count, offset + q.PageSize);
        if (keep <= offset)
        {
            return [];
        }

        Comparison<int> order = q.Sort switch
        {
            "time" or "acquired" => (a, b) => _time[a].CompareTo(_time[b]),
            "ingested" => (a, b) => _ingested[a].CompareTo(_ingested[b]),
            "name" => NameOrder(),
            "beam_energy" => (a, b) => (double.IsNaN(_energy[a]) ? double.NegativeInfinity : _energy[a]).CompareTo(double.IsNaN(_energy[b]) ? double.NegativeInfinity : _energy[b]),
            "size" => (a, b) => _size[a].CompareTo(_size[b]),
            _ => throw new CatalogException(CatalogError.Invalid, $"sort '{q.Sort}': use time, ingested, name, beam_energy or size"),
        };
        Comparison<int> full = (a, b) =>
        {
            int c = order(a, b);
            c = c != 0 ? c : string.CompareOrdinal(_id[a], _id[b]);
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
        return kept.Skip((int)offset).Select(r => _id[r]).ToList();
    }

    /// <summary>
    /// File-name order as integer ranks, so that sorting by name compares integers. Made when a query first sorts by
    /// name after records arrived, not on every load (it sorts every name). Called under the read lock: loads, which
    /// change the names, hold the write lock.
    /// </summary>
    private Comparison<int> NameOrder()
    {
        lock (_rankGate)
        {
            if (_nameRankStale || _nameRank.Length < _n)
            {
                var order = Enumerable.Range(0, _n).ToArray();
                Array.Sort(order, (a, b) => string.CompareOrdinal(_fileName[a], _fileName[b]));
                var rank = new int[_n];
                for (int i = 0; i < order.Length; i++)
                {
                    rank[order[i]] = i;
                }

                _nameRank = rank;
                _nameRankStale = false;
            }

            var ranks = _nameRank;
            return (a, b) => ranks[a].CompareTo(ranks[b]);
        }
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

            _nameRankStale |= fresh.Count > 0;
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
        if (_rowOf.TryGetValue(d.Id, out var row))
        {
            foreach (var postings in _terms[row])
            {
                postings.Remove(row);
            }
        }
        else
        {
            row = _n++;
            if (row >= _id.Length)
            {
                Grow(Math.Max(1024, _id.Length * 2));
            }

            _rowOf[d.Id] = row;
        }

        _id[row] = d.Id;
        _fileName[row] = d.FileName;
        _sampleCode[row] = Intern(8, d.Sample);
        (_elementsLow[row], _elementsHigh[row]) = ElementMask(d.Elements);
        _instrument[row] = Intern(0, d.Instrument);
        _signal[row] = Intern(1, d.SignalType);
        _technique[row] = Intern(2, d.Technique);
        _format[row] = Intern(3, d.Format);
        _project[row] = Intern(4, d.ProjectName);
        _year[row] = d.AcquiredMs is { } acquired ? InternYear(acquired) : Intern(5, SearchQuery.UnknownYear);
        _kev[row] = d.BeamEnergyKeV is { } k ? Intern(6, Math.Round(k).ToString(CultureInfo.InvariantCulture)) : 0;
        _projectCode[row] = Code(_projectCodes, d.ProjectId);
        _ownerCode[row] = d.OwnerId is null ? -1 : Code(_ownerCodes, d.OwnerId);
        _institutionCode[row] = Code(_institutionCodes, d.Institution);
        _visibility[row] = d.Visibility;
        _embargo[row] = d.EmbargoMs;
        _time[row] = timeMs;
        _ingested[row] = d.IngestedMs;
        _size[row] = d.FileSize;
        _energy[row] = d.BeamEnergyKeV ?? double.NaN;
        // A row keeps references to its posting lists, not its words: one string per distinct word in the library.
        var lists = new List<int>[terms.Length];
        for (int i = 0; i < terms.Length; i++)
        {
            if (!_postings.TryGetValue(terms[i], out var list))
            {
                _postings[terms[i]] = list = [];
                _termsDirty = true;
            }

            int at = list.BinarySearch(row);
            if (at < 0)
            {
                list.Insert(~at, row);
            }

            lists[i] = list;
        }

        _terms[row] = lists;
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _id, capacity);
        Array.Resize(ref _fileName, capacity);
        Array.Resize(ref _sampleCode, capacity);
        Array.Resize(ref _terms, capacity);
        Array.Resize(ref _elementsLow, capacity);
        Array.Resize(ref _elementsHigh, capacity);
        Array.Resize(ref _instrument, capacity);
        Array.Resize(ref _signal, capacity);
        Array.Resize(ref _technique, capacity);
        Array.Resize(ref _format, capacity);
        Array.Resize(ref _project, capacity);
        Array.Resize(ref _year, capacity);
        Array.Resize(ref _kev, capacity);
        Array.Resize(ref _projectCode, capacity);
        Array.Resize(ref _ownerCode, capacity);
        Array.Resize(ref _institutionCode, capacity);
        Array.Resize(ref _visibility, capacity);
        Array.Resize(ref _embargo, capacity);
        Array.Resize(ref _time, capacity);
        Array.Resize(ref _ingested, capacity);
        Array.Resize(ref _size, capacity);
        Array.Resize(ref _energy, capacity);
    }

    private static int Code(Dictionary<string, int> codes, string value)
    {
        if (!codes.TryGetValue(value, out var code))
        {
            codes[value] = code = codes.Count;
        }

        return code;
    }

    private int InternYear(long timeMs) => Intern(5, DateTimeOffset.FromUnixTimeMilliseconds(timeMs).UtcDateTime.Year.ToString(CultureInfo.InvariantCulture));
}
