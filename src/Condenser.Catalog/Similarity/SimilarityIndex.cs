using System.Numerics.Tensors;
using Condenser.Catalog.Database;
using Condenser.Catalog.Records;
using Condenser.Learning.Decomposition;

namespace Condenser.Catalog.Similarity;

/// <summary>
/// Exact "more like this" search in process: every record's <see cref="Descriptor"/> is centred, reduced by PCA
/// (fitted on the whole library, refitted as it grows by a fifth) and normalised, so that a query is one SIMD dot
/// product per record. The index follows the database by its change sequence, so several servers on one PostgreSQL
/// see each other's records within <see cref="RefreshInterval"/>.
/// </summary>
public sealed class SimilarityIndex(CatalogDb db)
{
    /// <summary>Dimensions kept by the PCA.</summary>
    public const int Components = 16;

    /// <summary>How stale the index may be before a query reloads new records.</summary>
    public static TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly Dictionary<string, int> _row = new(StringComparer.Ordinal);
    private readonly List<string> _ids = [];
    private readonly List<float[]> _raw = [];
    private long _seq;
    private DateTime _refreshed = DateTime.MinValue;
    private bool _stale = true;
    private Model? _model;

    private sealed record Model(float[] Mean, float[] Scale, float[,] Basis, int Dims, int FittedOn, float[] Vectors);

    /// <summary>Marks the index stale (a record was written by this process).</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _stale = true;
        }
    }

    /// <summary>How many records have descriptors.</summary>
    public int Count
    {
        get
        {
            Refresh();
            lock (_gate)
            {
                return _ids.Count;
            }
        }
    }

    /// <summary>Record ids ranked by cosine similarity to record <paramref name="id"/> (itself excluded), best first, with their scores.</summary>
    public IReadOnlyList<(string Id, float Score)> Nearest(string id, int count)
    {
        Refresh();
        Model model;
        int self;
        lock (_gate)
        {
            if (!_row.TryGetValue(id, out self) || _model is null)
            {
                return [];
            }

            model = _model;
        }

        int n = model.Vectors.Length / model.Dims;
        if (self >= n)
        {
            return [];
        }

        var query = model.Vectors.AsSpan(self * model.Dims, model.Dims).ToArray();
        var rented = System.Buffers.ArrayPool<float>.Shared.Rent(n);
        try
        {
            var scores = rented.AsSpan(0, n);
            Scores(model.Vectors, model.Dims, query, scores);
            scores[self] = float.NegativeInfinity;
            int k = Math.Min(count, n - 1);
            var best = TopK(scores, k);
            lock (_gate)
            {
                return best.Select(i => (_ids[i], rented[i])).ToList();
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Dot products of every row of <paramref name="rows"/> (row length <paramref name="dims"/>) with <paramref name="query"/>.</summary>
    public static void Scores(ReadOnlySpan<float> rows, int dims, ReadOnlySpan<float> query, Span<float> scores)
    {
        if (query.Length != dims || rows.Length != scores.Length * dims)
        {
            throw new ArgumentException("rows, query and scores disagree in length");
        }

        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = TensorPrimitives.Dot(rows.Slice(i * dims, dims), query);
        }
    }

    /// <summary>The scalar reference of <see cref="Scores"/>.</summary>
    public static void ScoresScalar(ReadOnlySpan<float> rows, int dims, ReadOnlySpan<float> query, Span<float> scores)
    {
        for (int i = 0; i < scores.Length; i++)
        {
            double s = 0;
            for (int j = 0; j < dims; j++)
            {
                s += rows[(i * dims) + j] * query[j];
            }

            scores[i] = (float)s;
        }
    }

    private static int[] TopK(ReadOnlySpan<float> scores, int k)
    {
        if (k <= 0)
        {
            return [];
        }

        // A min-heap of the k best.
        var heap = new PriorityQueue<int, float>(k + 1);
        for (int i = 0; i < scores.Length; i++)
        {
            if (float.IsNegativeInfinity(scores[i]))
            {
                continue;
            }

            if (heap.Count < k)
            {
                heap.Enqueue(i, scores[i]);
            }
            else if (heap.TryPeek(out _, out var worst) && scores[i] > worst)
            {
                heap.DequeueEnqueue(i, scores[i]);
            }
        }

        var list = new List<int>(heap.Count);
        while (heap.TryDequeue(out var i, out _))
        {
            list.Add(i);
        }

        list.Reverse();
        return [.. list];
    }

    /// <summary>Loads records written since the last load and refits or extends the projection.</summary>
    public void Refresh()
    {
        lock (_gate)
        {
            if (!_stale && DateTime.UtcNow - _refreshed < RefreshInterval)
            {
                return;
            }

            var fresh = db.Read(c => c.Query(null, $"SELECT d.id, d.seq, e.vector AS descriptor FROM datasets d {Embeddings.DescriptorJoin} WHERE d.seq > @s AND e.vector IS NOT NULL ORDER BY d.seq",
                r => (Id: r.GetString(0), Seq: r.Int64("seq"), D: r.Bytes("descriptor")), ("s", _seq)));
            foreach (var (id, seq, bytes) in fresh)
            {
                _seq = Math.Max(_seq, seq);
                var d = DatasetRecord.DescriptorFrom(bytes!);
                if (d.Length != Descriptor.Length)
                {
                    continue;
                }

                if (_row.TryGetValue(id, out var at))
                {
                    _raw[at] = d;
                }
                else
                {
                    _row[id] = _ids.Count;
                    _ids.Add(id);
                    _raw.Add(d);
                }
            }

            _refreshed = DateTime.UtcNow;
            _stale = false;
            if (_raw.Count >= 2 && (_model is null || _raw.Count > _model.FittedOn * 1.2))
            {
                _model = Fit(_raw);
            }
            else if (_model is not null && _model.Vectors.Length / _model.Dims < _raw.Count)
            {
                _model = Extend(_model, _raw);
            }
        }
    }

    private static Model Fit(List<float[]> raw)
    {
        int n = raw.Count, m = Descriptor.Length;
        var mean = new float[m];
        var scale = new float[m];
        for (int j = 0; j < m; j++)
        {
            double s = 0;
            foreach (var r in raw)
            {
                s += r[j];
            }

            // Centred, not standardised: the descriptor's parts are already on comparable scales, and dividing by a
            // tiny spread would let a dimension that hardly varies in this library drown the ones that do.
            mean[j] = (float)(s / n);
            scale[j] = 1;
        }

        // The PCA of the descriptors (the same decomposition as `decompose --method pca`), its first loadings the basis.
        int dims = Math.Min(Components, m);
        var pca = new Pca(m);
        var z = new double[m];
        foreach (var r in raw)
        {
            for (int j = 0; j < m; j++)
            {
                z[j] = (r[j] - mean[j]) * scale[j];
            }

            pca.Accumulate(z);
        }

        pca.Solve();
        var basis = new float[dims, m];
        for (int k = 0; k < dims; k++)
        {
            for (int j = 0; j < m; j++)
            {
                basis[k, j] = (float)pca.Loadings[k][j];
            }
        }

        return Extend(new Model(mean, scale, basis, dims, n, []), raw);
    }

    private static Model Extend(Model model, List<float[]> raw)
    {
        int dims = model.Dims, m = Descriptor.Length, start = model.Vectors.Length / dims;
        var vectors = new float[raw.Count * dims];
        model.Vectors.CopyTo(vectors, 0);
        var z = new float[m];
        for (int i = start; i < raw.Count; i++)
        {
            for (int j = 0; j < m; j++)
            {
                z[j] = (raw[i][j] - model.Mean[j]) * model.Scale[j];
            }

            var v = vectors.AsSpan(i * dims, dims);
            for (int k = 0; k < dims; k++)
            {
                double s = 0;
                for (int j = 0; j < m; j++)
                {
                    s += model.Basis[k, j] * z[j];
                }

                v[k] = (float)s;
            }

            float norm = TensorPrimitives.Norm(v);
            if (norm > 0)
            {
                TensorPrimitives.Divide(v, norm, v);
            }
        }

        return model with { Vectors = vectors };
    }
}
