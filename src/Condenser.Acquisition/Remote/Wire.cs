using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Formats;

namespace Condenser.Acquisition.Remote;

/// <summary>
/// How a served microscope talks: JSON (snake_case, enums as strings) for state and commands, and for acquisitions a
/// binary stream of records, each a one-byte kind then its body:
/// <list type="bullet">
/// <item><c>L</c> layout: int32 length, JSON {frame_bytes, frames} — before the first frame;</item>
/// <item><c>F</c> frame: int64 grid position, then frame_bytes bytes, in the order the camera delivers them;</item>
/// <item><c>S</c> the frames' dataset (name, shape, axes, dtype, metadata): int32 length, JSON;</item>
/// <item><c>D</c> a dataset: int32 length, JSON description, int64 byte count, the C-order little-endian values;</item>
/// <item><c>C</c> cost and start time: int32 length, JSON; the last record of a successful acquisition;</item>
/// <item><c>E</c> a failure after the stream began: int32 length, JSON {limit, message}.</item>
/// </list>
/// </summary>
public static class Wire
{
    /// <summary>Media type of the acquisition stream.</summary>
    public const string StreamMediaType = "application/vnd.condenser.acquisition";

    /// <summary>The JSON conventions of the instrument API.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Cost and start time, as the <c>C</c> record carries them.</summary>
    /// <param name="Cost">The cost.</param>
    /// <param name="StartedS">Instrument clock at the start (s).</param>
    public sealed record Completion(AcquisitionCost Cost, double StartedS);

    /// <summary>What the <c>E</c> record and a refused request's problem carry.</summary>
    /// <param name="Limit">The limit or budget that refused (null for other failures).</param>
    /// <param name="Message">What was wrong.</param>
    /// <param name="Budget">True when a budget refused.</param>
    public sealed record Failure(string? Limit, string Message, bool Budget);

    /// <summary>The exception a failure stands for.</summary>
    public static Exception ToException(Failure f) => f.Limit is null
        ? new InvalidOperationException(f.Message)
        : f.Budget ? new BudgetExceededException(f.Limit, f.Message) : new InterlockException(f.Limit, f.Message);

    /// <summary>The failure an exception stands for.</summary>
    public static Failure FromException(Exception e) => e switch
    {
        BudgetExceededException b => new Failure(b.Limit, b.Message, true),
        InterlockException i => new Failure(i.Limit, i.Message, false),
        _ => new Failure(null, e.Message, false),
    };

    /// <summary>A dataset's description (no values).</summary>
    public static JsonObject Describe(string name, DatasetShape shape, IReadOnlyList<Axis> axes, DType dtype, Metadata metadata, MetadataTree original) => new()
    {
        ["name"] = name,
        ["navigation"] = new JsonArray(shape.Navigation.Select(n => (JsonNode)n).ToArray()),
        ["signal"] = new JsonArray(shape.Signal.Select(n => (JsonNode)n).ToArray()),
        ["dtype"] = dtype.ToString(),
        ["axes"] = MetadataJson.Axes(axes),
        ["metadata"] = MetadataJson.Normalised(metadata),
        ["original"] = MetadataJson.Tree(original),
    };

    /// <summary>The frames' dataset from its description.</summary>
    public static StreamedFrames ReadStreamed(JsonObject o) => new(
        (string)o["name"]!,
        new DatasetShape(o["navigation"]!.AsArray().Select(n => (int)n!).ToArray(), o["signal"]!.AsArray().Select(n => (int)n!).ToArray()),
        MetadataJson.ReadAxes(o["axes"]!.AsArray()),
        Enum.Parse<DType>((string)o["dtype"]!),
        MetadataJson.ReadNormalised(o["metadata"]!.AsObject()),
        MetadataJson.ReadTree(o["original"]!.AsObject()));

    /// <summary>Writes a record with a JSON body.</summary>
    public static async Task WriteJsonAsync(Stream s, byte kind, JsonNode body, CancellationToken cancel)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var head = new byte[5];
        head[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(1), bytes.Length);
        await s.WriteAsync(head, cancel).ConfigureAwait(false);
        await s.WriteAsync(bytes, cancel).ConfigureAwait(false);
    }

    /// <summary>Writes a dataset record.</summary>
    public static async Task WriteDatasetAsync(Stream s, EmDataset ds, CancellationToken cancel)
    {
        await WriteJsonAsync(s, (byte)'D', Describe(ds.Name, ds.Shape, ds.Axes, ds.DType, ds.Metadata, ds.OriginalMetadata), cancel).ConfigureAwait(false);
        var len = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(len, ds.ByteLength);
        await s.WriteAsync(len, cancel).ConfigureAwait(false);
        var buffer = new byte[Math.Min(ds.ByteLength, 1 << 20)];
        for (long at = 0; at < ds.ByteLength; at += buffer.Length)
        {
            int n = (int)Math.Min(buffer.Length, ds.ByteLength - at);
            ds.Storage.Read(at, buffer.AsSpan(0, n));
            await s.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Reads exactly <paramref name="into"/>.Length bytes, or throws naming what was cut short.</summary>
    public static async Task ReadExactlyAsync(Stream s, Memory<byte> into, string what, CancellationToken cancel)
    {
        try
        {
            await s.ReadExactlyAsync(into, cancel).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new IOException($"the microscope's acquisition stream ended inside {what}");
        }
    }

    /// <summary>Reads a JSON record body.</summary>
    public static async Task<JsonNode> ReadJsonAsync(Stream s, CancellationToken cancel, int limit = 256 << 20)
    {
        var len = new byte[4];
        await ReadExactlyAsync(s, len, "a record's length", cancel).ConfigureAwait(false);
        int n = BinaryPrimitives.ReadInt32LittleEndian(len);
        if (n < 0 || n > limit)
        {
            throw new IOException($"the microscope's acquisition stream holds a record of {n} bytes (at most {limit})");
        }

        var body = new byte[n];
        await ReadExactlyAsync(s, body, "a JSON record", cancel).ConfigureAwait(false);
        return JsonNode.Parse(body) ?? throw new IOException("the microscope sent an empty JSON record");
    }

    /// <summary>Reads a dataset record's values after its description.</summary>
    public static async Task<EmDataset> ReadDatasetAsync(Stream s, JsonObject description, CancellationToken cancel)
    {
        var d = ReadStreamed(description);
        var len = new byte[8];
        await ReadExactlyAsync(s, len, "a dataset's length", cancel).ConfigureAwait(false);
        long n = BinaryPrimitives.ReadInt64LittleEndian(len);
        long expected = checked(d.Shape.ElementCount * d.DType.Size());
        if (n != expected)
        {
            throw new IOException($"dataset '{d.Name}' of shape {d.Shape} {d.DType} needs {expected} bytes, the stream says {n}");
        }

        var parts = new List<ArrayStorage>();
        for (long at = 0; at < n;)
        {
            int take = (int)Math.Min(n - at, 1L << 30);
            var part = new byte[take];
            await ReadExactlyAsync(s, part, $"dataset '{d.Name}'", cancel).ConfigureAwait(false);
            parts.Add(new MemoryStorage(part));
            at += take;
        }

        ArrayStorage storage = parts.Count == 1 ? parts[0] : parts.Count == 0 ? new MemoryStorage([]) : new ConcatenatedStorage(parts);
        return d.ToDataset(storage);
    }
}
