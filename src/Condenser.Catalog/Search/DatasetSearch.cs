using System.Data.Common;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;

namespace Condenser.Catalog.Search;

/// <summary>Search in the database: word prefixes through the terms table, facet filters, access rule, one grouped scan for all facet counts.</summary>
public static class DatasetSearch
{
    private static readonly string Top = char.ConvertFromUtf32(0x10FFFF);

    /// <summary>Runs a search for <paramref name="who"/>.</summary>
    public static SearchResult Run(CatalogDb db, SearchQuery q, Principal who, bool facets = true)
    {
        if (q.Page < 1 || q.PageSize < 1 || q.PageSize > SearchQuery.MaxPageSize)
        {
            throw new CatalogException(CatalogError.Invalid, $"page must be ≥ 1 and page_size 1..{SearchQuery.MaxPageSize}");
        }

        long offset = (long)(q.Page - 1) * q.PageSize;
        if (offset > SearchQuery.MaxOffset)
        {
            throw new CatalogException(CatalogError.Invalid, $"page {q.Page} reaches past record {SearchQuery.MaxOffset}: narrow the search instead");
        }

        var args = new List<(string Name, object? Value)>();
        var where = new List<string> { AccessFilter.Sql(who, args, Clock.NowMs()) };
        int t = 0;
        foreach (var word in Terms.Split(q.Text).Distinct().Take(12))
        {
            where.Add($"d.id IN (SELECT dataset_id FROM terms WHERE term >= @t{t} AND term < @u{t})");
            args.Add(($"t{t}", word));
            args.Add(($"u{t}", word + Top));
            t++;
        }

        void Eq(string column, string? value, string name)
        {
            if (!string.IsNullOrEmpty(value))
            {
                where.Add($"d.{column} = @{name}");
                args.Add((name, value));
            }
        }

        Eq("instrument", q.Instrument, "f_inst");
        Eq("signal_type", q.SignalType, "f_sig");
        Eq("technique", q.Technique, "f_tech");
        Eq("format", q.Format, "f_fmt");
        Eq("sample", q.Sample, "f_sample");
        if (!string.IsNullOrEmpty(q.Project))
        {
            where.Add("d.project_id = (SELECT id FROM projects WHERE name = @f_proj)");
            args.Add(("f_proj", q.Project));
        }

        int e = 0;
        foreach (var el in q.Elements)
        {
            where.Add($"d.elements LIKE @el{e}");
            args.Add(($"el{e}", "%," + DatasetRecord.NormaliseElement(el) + ",%"));
            e++;
        }

        if (q.BeamEnergyMin is { } lo)
        {
            where.Add("d.beam_energy_kev >= @kev_lo");
            args.Add(("kev_lo", lo));
        }

        if (q.BeamEnergyMax is { } hi)
        {
            where.Add("d.beam_energy_kev <= @kev_hi");
            args.Add(("kev_hi", hi));
        }

        if (q.From is { } from)
        {
            where.Add("d.time_ms >= @t_from");
            args.Add(("t_from", from));
        }

        if (q.To is { } to)
        {
            where.Add("d.time_ms <= @t_to");
            args.Add(("t_to", to));
        }

        string sortColumn = q.Sort switch
        {
            "time" or "acquired" => "d.time_ms",
            "ingested" => "d.ingested_ms",
            "name" => "d.file_name",
            "beam_energy" => "d.beam_energy_kev",
            "size" => "d.file_size",
            _ => throw new CatalogException(CatalogError.Invalid, $"sort '{q.Sort}': use time, ingested, name, beam_energy or size"),
        };
        string dir = q.Descending ? "DESC" : "ASC";
        string filter = string.Join(" AND ", where);
        var arr = args.ToArray();
        return db.Read(c =>
        {
            var pageArgs = arr.Append(("lim", (object?)q.PageSize)).Append(("off", (object?)offset)).ToArray();
            var items = c.Query(null, $"SELECT {DatasetRecord.Columns} FROM datasets d WHERE {filter} ORDER BY {sortColumn} {dir}, d.id {dir} LIMIT @lim OFFSET @off",
                r => DatasetRecord.Read(r), pageArgs);
            var (total, counts) = facets ? Facets(c, filter, arr) : (Count(c, filter, arr), new Dictionary<string, IReadOnlyList<FacetCount>>());
            return new SearchResult(items, total, counts, q.Page, q.PageSize);
        });
    }

    private static long Count(DbConnection c, string filter, (string, object?)[] args) =>
        Convert.ToInt64(c.Scalar(null, $"SELECT COUNT(*) FROM datasets d WHERE {filter}", args), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every facet from one grouped scan of the matches.</summary>
    private static (long Total, Dictionary<string, IReadOnlyList<FacetCount>> Facets) Facets(DbConnection c, string filter, (string, object?)[] args)
    {
        var acc = new Dictionary<string, Dictionary<string, long>>
        {
            ["instrument"] = [], ["signal_type"] = [], ["technique"] = [], ["format"] = [], ["project"] = [], ["elements"] = [], ["beam_energy_kev"] = [], ["year"] = [],
        };
        long total = 0;
        var rows = c.Query(null, Grouped(filter),
            r => (Inst: r.GetString(0), Sig: r.GetString(1), Tech: r.GetString(2), Fmt: r.GetString(3), Proj: r.IsDBNull(4) ? string.Empty : r.GetString(4),
                  El: r.GetString(5), Kev: r.IsDBNull(6) ? null : (long?)Convert.ToInt64(r.GetValue(6), System.Globalization.CultureInfo.InvariantCulture),
                  Year: Convert.ToInt64(r.GetValue(7), System.Globalization.CultureInfo.InvariantCulture), N: Convert.ToInt64(r.GetValue(8), System.Globalization.CultureInfo.InvariantCulture)),
            args);
        foreach (var row in rows)
        {
            total += row.N;
            Add(acc["instrument"], row.Inst, row.N);
            Add(acc["signal_type"], row.Sig, row.N);
            Add(acc["technique"], row.Tech, row.N);
            Add(acc["format"], row.Fmt, row.N);
            Add(acc["project"], row.Proj, row.N);
            if (row.Kev is { } k)
            {
                Add(acc["beam_energy_kev"], k.ToString(System.Globalization.CultureInfo.InvariantCulture), row.N);
            }

            Add(acc["year"], (1970 + row.Year).ToString(System.Globalization.CultureInfo.InvariantCulture), row.N);
            foreach (var el in DatasetRecord.SplitElements(row.El))
            {
                Add(acc["elements"], el, row.N);
            }
        }

        var facets = acc.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<FacetCount>)kv.Value
            .Select(x => new FacetCount(x.Key, x.Value)).OrderByDescending(x => x.Count).ThenBy(x => x.Value, StringComparer.Ordinal).Take(50).ToList());
        return (total, facets);
    }

    private static string Grouped(string filter) =>
        $"""
        SELECT g.instrument, g.signal_type, g.technique, g.format, (SELECT name FROM projects p WHERE p.id = g.project_id), g.elements, g.kev, g.year, g.n
        FROM (SELECT d.instrument, d.signal_type, COALESCE(d.technique, '') AS technique, d.format, d.project_id, d.elements,
                     CAST(ROUND(d.beam_energy_kev) AS INTEGER) AS kev, CAST(d.time_ms / 31557600000 AS INTEGER) AS year, COUNT(*) AS n
              FROM datasets d WHERE {filter}
              GROUP BY d.instrument, d.signal_type, COALESCE(d.technique, ''), d.format, d.project_id, d.elements,
                       CAST(ROUND(d.beam_energy_kev) AS INTEGER), CAST(d.time_ms / 31557600000 AS INTEGER)) g
        """;

    private static void Add(Dictionary<string, long> d, string key, long n)
    {
        if (key.Length > 0)
        {
            d[key] = d.GetValueOrDefault(key) + n;
        }
    }
}
