using System.Data.Common;
using System.Text.Json;
using Condenser.Catalog.Access;
using Condenser.Catalog.Database;

namespace Condenser.Catalog.Records;

/// <summary>Inserts records and groups them into sessions, inside a write transaction.</summary>
public static class RecordWriter
{
    /// <summary>Session boundary: datasets on one instrument more than this apart start a new session.</summary>
    /// <remarks>Units: ms.</remarks>
    public const long SessionGapMs = 2 * 3600 * 1000;

    /// <summary>Inserts a record unless one with its file and index exists; returns false then.</summary>
    public static bool Insert(DbConnection c, DbTransaction tx, DatasetRecord d)
    {
        long seq = Schema.NextSeq(c, tx);
        int n = c.Execute(tx, """
            INSERT INTO datasets (id, seq, file_sha256, dataset_index, data_sha256, file_name, file_size, files, format, name, shape, nav_dims,
              dtype, signal_type, technique, instrument, detector, beam_energy_kev, acquired_ms, time_ms, ingested_ms, updated_ms, title, sample, elements,
              description, operator, project_id, owner_id, institution, visibility, embargo_ms, session_id, experiment_id, origin, info, published)
            VALUES (@id, @seq, @fs, @ix, @ds, @fn, @fz, @files, @fmt, @name, @shape, @nav, @dtype, @sig, @tech, @inst, @det, @kev, @acq, @time, @ing, @upd,
              @title, @sample, @el, @desc, @op, @proj, @owner, @instn, @vis, @emb, @sess, @exp, @origin, @info, @pub)
            ON CONFLICT DO NOTHING
            """,
            ("id", d.Id), ("seq", seq), ("fs", d.FileSha256), ("ix", d.DatasetIndex), ("ds", d.DataSha256), ("fn", d.FileName), ("fz", d.FileSize),
            ("files", JsonSerializer.Serialize(d.Files, DatasetRecord.FilesJson)), ("fmt", d.Format), ("name", d.Name), ("shape", JsonSerializer.Serialize(d.Shape)),
            ("nav", d.NavigationDims), ("dtype", d.DType), ("sig", d.SignalType), ("tech", d.Technique), ("inst", d.Instrument), ("det", d.Detector),
            ("kev", d.BeamEnergyKeV), ("acq", d.AcquiredMs), ("time", d.AcquiredMs ?? d.IngestedMs), ("ing", d.IngestedMs), ("upd", d.UpdatedMs), ("title", d.Title), ("sample", d.Sample),
            ("el", DatasetRecord.JoinElements(d.Elements)), ("desc", d.Description), ("op", d.Operator), ("proj", d.ProjectId), ("owner", d.OwnerId),
            ("instn", d.Institution), ("vis", d.Visibility.Name()), ("emb", d.EmbargoMs), ("sess", d.SessionId), ("exp", d.ExperimentId),
            ("origin", d.Origin), ("info", d.Info),
            ("pub", d.Visibility == Visibility.Public && d.EmbargoMs <= Clock.NowMs() ? 1 : 0));
        if (n > 0 && d.Descriptor is not null)
        {
            Embeddings.Put(c, tx, d.Id, Embeddings.DescriptorModel, Embeddings.DescriptorVersion, d.Descriptor, d.IngestedMs);
        }

        return n > 0;
    }

    /// <summary>The session of a dataset: the one on the same instrument and project within <see cref="SessionGapMs"/>, widened, or a new one.</summary>
    public static string AssignSession(DbConnection c, DbTransaction tx, string projectId, string instrument, long timeMs)
    {
        var found = c.Query(tx, "SELECT id, start_ms, end_ms FROM sessions WHERE project_id = @p AND instrument = @i AND start_ms <= @hi AND end_ms >= @lo ORDER BY start_ms LIMIT 1",
            r => (Id: r.GetString(0), Start: r.Int64("start_ms"), End: r.Int64("end_ms")),
            ("p", projectId), ("i", instrument), ("hi", timeMs + SessionGapMs), ("lo", timeMs - SessionGapMs)).FirstOrDefault();
        if (found.Id is not null)
        {
            c.Execute(tx, "UPDATE sessions SET start_ms = @s, end_ms = @e WHERE id = @id",
                ("s", Math.Min(found.Start, timeMs)), ("e", Math.Max(found.End, timeMs)), ("id", found.Id));
            return found.Id;
        }

        var id = "s_" + Users.RandomId();
        c.Execute(tx, "INSERT INTO sessions (id, project_id, instrument, start_ms, end_ms) VALUES (@id, @p, @i, @t, @t)",
            ("id", id), ("p", projectId), ("i", instrument), ("t", timeMs));
        return id;
    }
}
