using Condenser.Catalog.Access;
using Condenser.Catalog.Database;
using Condenser.Catalog.Records;

namespace Condenser.Catalog;

/// <summary>Lineage: which records a record was computed from, and which were computed from it.</summary>
public sealed partial class Library
{
    /// <summary>
    /// The chain of <paramref name="id"/> both ways, as far as the caller may read: records are linked by the
    /// provenance a derived dataset carries (its input file's SHA-256 or tree hash, and the dataset's name within it),
    /// whichever was ingested first. Records the caller may not read are left out without a trace.
    /// </summary>
    public LineageView Lineage(string id, Principal who)
    {
        var rec = Get(id, who, "read-lineage");
        var now = Clock.NowMs();
        return Db.Read(c =>
        {
            var own = c.Query(null, "SELECT analysis, input_sha256, input_tree_hash, input_dataset, input_record FROM derivations WHERE dataset_id = @d ORDER BY id",
                r => new Derivation(r.GetString(0), r.Text("input_sha256"), r.Text("input_tree_hash"), r.Text("input_dataset"), r.Text("input_record")), ("d", rec.Id));
            var madeFrom = new List<LinkedRecord>();
            foreach (var d in own)
            {
                var args = new List<(string Name, object? Value)> { ("s", d.InputSha256), ("t", d.InputTreeHash), ("self", rec.Id) };
                var acl = AccessRule.Sql(who, args, now);
                var found = c.Query(null,
                    $"SELECT d.id, d.title, d.file_name, d.name, d.signal_type, d.project_id FROM datasets d WHERE d.id <> @self AND (d.file_sha256 = @s OR d.file_sha256 IN (SELECT sha256 FROM file_hashes WHERE tree_hash = @t)) AND {acl} ORDER BY d.dataset_index",
                    r => (Link: Link(r, d.Analysis), Project: r.GetString(5)), [.. args]);
                var named = found.Where(f => d.InputDataset is null || f.Link.Dataset == d.InputDataset).ToList();
                var candidates = named.Count > 0 ? named : found;

                // One input: the record the provenance names, else this record's project's copy, else the first project's.
                var pick = candidates.Where(f => f.Link.Id == d.InputRecord).ToList();
                if (pick.Count == 0)
                {
                    pick = candidates.Where(f => f.Project == rec.ProjectId).ToList();
                }

                if (pick.Count == 0)
                {
                    pick = candidates.GroupBy(f => f.Project).FirstOrDefault()?.ToList() ?? [];
                }

                madeFrom.AddRange(pick.Select(p => p.Link));
            }

            var tree = c.Scalar(null, "SELECT tree_hash FROM file_hashes WHERE sha256 = @s", ("s", rec.FileSha256)) as string;
            var derived = c.Query(null,
                "SELECT dataset_id, analysis, input_dataset FROM derivations WHERE input_sha256 = @s OR input_tree_hash = @t OR input_record = @id ORDER BY id",
                r => (Id: r.GetString(0), Analysis: r.GetString(1), Dataset: r.Text("input_dataset")), ("s", rec.FileSha256), ("t", tree), ("id", rec.Id))
                .Where(x => x.Id != rec.Id && (x.Dataset is null || x.Dataset == rec.Name)).ToList();
            var madeInto = new List<LinkedRecord>();
            foreach (var batch in derived.Chunk(200))
            {
                var args = new List<(string Name, object? Value)>();
                var names = batch.Select((x, i) => { args.Add(("i" + i, x.Id)); return "@i" + i; }).ToList();
                var acl = AccessRule.Sql(who, args, now);
                var analysisOf = batch.GroupBy(x => x.Id).ToDictionary(g => g.Key, g => g.First().Analysis, StringComparer.Ordinal);
                madeInto.AddRange(c.Query(null,
                    $"SELECT d.id, d.title, d.file_name, d.name, d.signal_type FROM datasets d WHERE d.id IN ({string.Join(", ", names)}) AND {acl} ORDER BY d.ingested_ms, d.dataset_index",
                    r => Link(r, analysisOf[r.GetString(0)]), [.. args]));
            }

            return new LineageView(madeFrom.DistinctBy(l => l.Id).ToList(), madeInto.DistinctBy(l => l.Id).ToList(), own.FirstOrDefault()?.Analysis, own.Count > 0 && madeFrom.Count == 0);
        });
    }

    private static LinkedRecord Link(System.Data.Common.DbDataReader r, string analysis) =>
        new(r.GetString(0), r.Text("title") ?? r.GetString(2), r.GetString(2), r.GetString(3), r.GetString(4), analysis);
}
