using System.Data.Common;
using Condenser.Catalog.Database;

namespace Condenser.Catalog.Records;

/// <summary>
/// Vectors that represent records for "more like this" and for learning, one per record, model and model version
/// (table <c>embeddings</c>, schema 2): the content descriptor is the first model; learned embeddings come beside it.
/// </summary>
public static class Embeddings
{
    /// <summary>The model name of the content descriptor (<see cref="Similarity.Descriptor"/>).</summary>
    public const string DescriptorModel = "descriptor";

    /// <summary>Its version.</summary>
    public const string DescriptorVersion = "1";

    /// <summary>Stores (or replaces) a record's vector of a model, inside the caller's write transaction.</summary>
    public static void Put(DbConnection c, DbTransaction tx, string datasetId, string model, string version, float[] vector, long createdMs)
    {
        c.Execute(tx, "DELETE FROM embeddings WHERE dataset_id = @d AND model = @m AND model_version = @v", ("d", datasetId), ("m", model), ("v", version));
        c.Execute(tx, "INSERT INTO embeddings (dataset_id, model, model_version, dims, vector, created_ms) VALUES (@d, @m, @v, @n, @x, @t)",
            ("d", datasetId), ("m", model), ("v", version), ("n", vector.Length), ("x", DatasetRecord.DescriptorBytes(vector)), ("t", createdMs));
    }

    /// <summary>Removes every vector of a record (inside the caller's write transaction).</summary>
    public static void Remove(DbConnection c, DbTransaction tx, string datasetId) => c.Execute(tx, "DELETE FROM embeddings WHERE dataset_id = @d", ("d", datasetId));

    /// <summary>The SQL join that gives a dataset row (alias d) its descriptor as column <c>descriptor</c> (alias e).</summary>
    public const string DescriptorJoin = "LEFT JOIN embeddings e ON e.dataset_id = d.id AND e.model = 'descriptor' AND e.model_version = '1'";
}
