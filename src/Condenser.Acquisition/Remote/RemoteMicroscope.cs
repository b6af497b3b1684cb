using System.Buffers.Binary;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Processing.MapReduce;

namespace Condenser.Acquisition.Remote;

/// <summary>
/// <see cref="IMicroscope"/> over the network: the client of a served microscope (<c>condenser twin serve</c>, or
/// any instrument service speaking <see cref="Wire"/>). Refusals come back as the same exceptions the instrument
/// throws, naming the same limit; camera frames are pushed into the live source as they arrive.
/// </summary>
public sealed class RemoteMicroscope : IMicroscope
{
    private readonly HttpClient _http;
    private readonly bool _ownsClient;

    /// <summary>A client of the microscope served at <paramref name="baseUrl"/>.</summary>
    public RemoteMicroscope(Uri baseUrl)
        : this(new HttpClient { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan }, ownsClient: true)
    {
    }

    /// <summary>A client over <paramref name="http"/> (its base address is the microscope's).</summary>
    public RemoteMicroscope(HttpClient http, bool ownsClient = false)
    {
        _http = http;
        _ownsClient = ownsClient;
    }

    /// <inheritdoc/>
    public Task<InstrumentDescription> DescribeAsync(CancellationToken cancel = default) => GetAsync<InstrumentDescription>("api/instrument", cancel);

    /// <inheritdoc/>
    public Task<InstrumentState> GetStateAsync(CancellationToken cancel = default) => GetAsync<InstrumentState>("api/instrument/state", cancel);

    /// <inheritdoc/>
    public Task<InstrumentState> SetOpticsAsync(OpticsChange change, CancellationToken cancel = default) => PutAsync("api/instrument/optics", change, cancel);

    /// <inheritdoc/>
    public Task<InstrumentState> MoveStageAsync(StageChange move, CancellationToken cancel = default) => PutAsync("api/instrument/stage", move, cancel);

    /// <inheritdoc/>
    public Task<InstrumentState> SetBudgetAsync(ExperimentBudget budget, CancellationToken cancel = default) => PutAsync("api/instrument/budget", budget, cancel);

    /// <inheritdoc/>
    public async Task<AcquisitionResult> AcquireAsync(AcquisitionRequest request, PushedFrames? live = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var message = new HttpRequestMessage(HttpMethod.Post, "api/instrument/acquisitions") { Content = JsonContent.Create(request, options: Wire.Json) };
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
        await ThrowIfRefusedAsync(response, cancel).ConfigureAwait(false);
        await using var raw = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
        await using var s = new BufferedStream(raw, 1 << 20);
        var datasets = new List<EmDataset>();
        StreamedFrames? streamed = null;
        FrameCollector? frames = null;
        var kind = new byte[1];
        var position = new byte[8];
        while (true)
        {
            await Wire.ReadExactlyAsync(s, kind, "a record's kind", cancel).ConfigureAwait(false);
            switch ((char)kind[0])
            {
                case 'L':
                    var layout = (await Wire.ReadJsonAsync(s, cancel).ConfigureAwait(false)).AsObject();
                    frames = new FrameCollector(request, (int)layout["frame_bytes"]!, request.KeepFrames);
                    break;
                case 'F':
                    if (frames is null)
                    {
                        throw new IOException("the microscope sent a frame before its layout");
                    }

                    await Wire.ReadExactlyAsync(s, position, "a frame's position", cancel).ConfigureAwait(false);
                    long at = BinaryPrimitives.ReadInt64LittleEndian(position);
                    if (frames.Keeping)
                    {
                        var frame = frames.Next(at);
                        await Wire.ReadExactlyAsync(s, frame, "a frame", cancel).ConfigureAwait(false);
                        if (live is not null)
                        {
                            await live.PushAsync<byte>(at, frame, cancel).ConfigureAwait(false);
                        }
                    }
                    else if (live is not null)
                    {
                        // Straight from the socket's buffer into a pooled frame that the live source takes over.
                        var pooled = System.Buffers.ArrayPool<byte>.Shared.Rent(frames.FrameBytes);
                        await Wire.ReadExactlyAsync(s, pooled.AsMemory(0, frames.FrameBytes), "a frame", cancel).ConfigureAwait(false);
                        await live.PushPooledAsync(at, pooled, cancel).ConfigureAwait(false);
                    }
                    else
                    {
                        await Wire.ReadExactlyAsync(s, frames.Next(at), "a frame", cancel).ConfigureAwait(false);
                    }

                    break;
                case 'S':
                    streamed = Wire.ReadStreamed((await Wire.ReadJsonAsync(s, cancel).ConfigureAwait(false)).AsObject());
                    break;
                case 'D':
                    var description = (await Wire.ReadJsonAsync(s, cancel).ConfigureAwait(false)).AsObject();
                    datasets.Add(await Wire.ReadDatasetAsync(s, description, cancel).ConfigureAwait(false));
                    break;
                case 'E':
                    throw Wire.ToException((await Wire.ReadJsonAsync(s, cancel).ConfigureAwait(false)).Deserialize<Wire.Failure>(Wire.Json)!);
                case 'C':
                    var done = (await Wire.ReadJsonAsync(s, cancel).ConfigureAwait(false)).Deserialize<Wire.Completion>(Wire.Json)!;
                    if (streamed is not null && frames is not null && request.KeepFrames)
                    {
                        datasets.Insert(0, streamed.ToDataset(frames.Storage()));
                        streamed = null;
                    }

                    return new AcquisitionResult(datasets, done.Cost, done.StartedS, streamed);
                default:
                    throw new IOException($"the microscope's acquisition stream holds an unknown record '{(char)kind[0]}'");
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancel)
    {
        using var response = await _http.GetAsync(path, cancel).ConfigureAwait(false);
        await ThrowIfRefusedAsync(response, cancel).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<T>(Wire.Json, cancel).ConfigureAwait(false))!;
    }

    private async Task<InstrumentState> PutAsync<T>(string path, T body, CancellationToken cancel)
    {
        using var response = await _http.PutAsJsonAsync(path, body, Wire.Json, cancel).ConfigureAwait(false);
        await ThrowIfRefusedAsync(response, cancel).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<InstrumentState>(Wire.Json, cancel).ConfigureAwait(false))!;
    }

    /// <summary>A 4xx with a problem body that names a limit becomes the instrument's own exception.</summary>
    private static async Task ThrowIfRefusedAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string text = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
        JsonObject? problem = null;
        try
        {
            problem = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }

        string detail = (string?)problem?["detail"] ?? text;
        if (problem?["limit"] is JsonValue limit)
        {
            throw Wire.ToException(new Wire.Failure((string)limit!, detail, (bool?)problem["budget"] ?? false));
        }

        throw new HttpRequestException($"the microscope answered {(int)response.StatusCode}: {detail}", null, response.StatusCode);
    }

    /// <summary>Frames as they arrive, placed at their visit index (raster: the grid index; sparse: the order of the list).</summary>
    private sealed class FrameCollector
    {
        private readonly int _frameBytes;
        private readonly byte[][]? _parts;
        private readonly int _perPart;
        private readonly Dictionary<long, int>? _visit;
        private readonly byte[] _scratch;
        private readonly long _count;

        public FrameCollector(AcquisitionRequest r, int frameBytes, bool keep)
        {
            _frameBytes = frameBytes;
            _scratch = new byte[frameBytes];
            long count = _count = r.VisitCount;
            _perPart = (int)Math.Max(1, (1L << 30) / frameBytes);
            if (keep)
            {
                _parts = Enumerable.Range(0, (int)((count + _perPart - 1) / _perPart)).Select(p => new byte[Math.Min(_perPart, count - ((long)p * _perPart)) * frameBytes]).ToArray();
            }

            if (r.Positions is { } list)
            {
                _visit = [];
                for (int i = 0; i < list.Count; i++)
                {
                    _visit.TryAdd(list[i], i);
                }
            }
        }

        public bool Keeping => _parts is not null;

        public int FrameBytes => _frameBytes;

        public Memory<byte> Next(long gridPosition)
        {
            if (_parts is null)
            {
                return _scratch;
            }

            long visit = _visit is null ? gridPosition : _visit.TryGetValue(gridPosition, out int v) ? v : throw new IOException($"the microscope sent a frame for position {gridPosition}, which was not asked for");
            if (visit < 0 || visit >= _count)
            {
                throw new IOException($"the microscope sent a frame for position {gridPosition}, outside the scan");
            }

            return _parts[visit / _perPart].AsMemory((int)(visit % _perPart * _frameBytes), _frameBytes);
        }

        public ArrayStorage Storage() => _parts!.Length == 1 ? new MemoryStorage(_parts[0]) : new ConcatenatedStorage(_parts.Select(p => (ArrayStorage)new MemoryStorage(p)).ToArray());
    }
}
