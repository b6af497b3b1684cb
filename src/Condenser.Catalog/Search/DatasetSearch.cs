using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Records;

namespace Condenser.Catalog.Search;

/// <summary>A search: the index picks the page's ids, counts and facets; the records come from the database.</summary>
public static class DatasetSearch
{
    /// <summary>Runs a search for <paramref name="who"/>.</summary>
    public static SearchResult Run(CatalogDb db, SearchIndex index, SearchQuery q, Principal who, bool facets = true)
    {
        if (q.Page < 1 || q.PageSize < 1 || q.PageSize > SearchQuery.MaxPageSize)
        {
            throw new CatalogException(CatalogError.Invalid, $"page must be ≥ 1 and page_size 1..{SearchQuery.MaxPageSize}");
        }

        if (q.Sort is not ("time" or "acquired" or "ingested" or "name" or "beam_energy" or "size"))
        {
            throw new CatalogException(CatalogError.Invalid, $"sort '{q.Sort}': use time, ingested, name, beam_energy or size");
        }

        long offset = (long)(q.Page - 1) * q.PageSize;
        if (offset > SearchQuery.MaxOffset)
        {
            throw new CatalogException(CatalogError.Invalid, $"page {q.Page} reaches past record {SearchQuery.MaxOffset}: narrow the search instead");
        }

        var (ids, total, counts) = index.Query(q, who, facets, offset);
        var records = Fetch(db, ids, who);
        var items = ids.Where(records.ContainsKey).Select(id => records[id]).ToList();
        return new SearchResult(items, total, counts, q.Page, q.PageSize);
    }

    /// <summary>The records of some ids that <paramref name="who"/> may see (the access rule is applied again in SQL).</summary>
    public static Dictionary<string, DatasetRecord> Fetch(CatalogDb db, IReadOnlyList<string> ids, Principal who)
    {
        var found = new Dictionary<string, DatasetRecord>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(500))
        {
            var args = new List<(string Name, object? Value)>();
            var acl = AccessRule.Sql(who, args, Clock.NowMs());
            var names = new List<string>();
            for (int i = 0; i < chunk.Length; i++)
            {
                names.Add("@i" + i);
                args.Add(("i" + i, chunk[i]));
            }

            foreach (var r in db.Read(c => c.Query(null, $"SELECT {DatasetRecord.Columns} FROM datasets d WHERE d.id IN ({string.Join(',', names)}) AND {acl}", r => DatasetRecord.Read(r), [.. args])))
            {
                found[r.Id] = r;
            }
        }

        return found;
    }
}
