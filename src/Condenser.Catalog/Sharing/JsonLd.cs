using System.Text.Json;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Records;
using Condenser.Catalog.Storage;

namespace Condenser.Catalog.Sharing;

/// <summary>
/// Records as JSON-LD (schema.org <c>Dataset</c>): the common fields in schema.org terms, the microscopy ones as
/// <c>additionalProperty</c> values with <c>condenser:</c> property ids, the file as a <c>DataDownload</c> with its
/// SHA-256. The same document imports back (federation, or moving records between libraries).
/// </summary>
public static class JsonLd
{
    /// <summary>The property-id prefix of Condenser's own fields.</summary>
    public const string Prefix = "condenser:";

    /// <summary>A record as a schema.org Dataset; <paramref name="baseUrl"/> makes the @id and download URLs absolute.</summary>
    public static JsonObject Export(DatasetRecord r, string baseUrl)
    {
        baseUrl = baseUrl.TrimEnd('/');
        var props = new JsonArray();
        void Prop(string name, JsonNode? value, string? unit = null)
        {
            if (value is not null)
            {
                var p = new JsonObject { ["@type"] = "PropertyValue", ["propertyID"] = Prefix + name, ["value"] = value };
                if (unit is not null)
                {
                    p["unitText"] = unit;
                }

                props.Add(p);
            }
        }

        Prop("id", r.Id);
        Prop("file_name", r.FileName);
        Prop("format", r.Format);
        Prop("dataset_index", r.DatasetIndex);
        Prop("dataset_name", r.Name);
        Prop("shape", new JsonArray(r.Shape.Select(d => (JsonNode)d).ToArray()));
        Prop("navigation_dims", r.NavigationDims);
        Prop("dtype", r.DType);
        Prop("signal_type", r.SignalType);
        Prop("technique", r.Technique);
        Prop("instrument", r.Instrument);
        Prop("detector", r.Detector);
        Prop("beam_energy", r.BeamEnergyKeV, "keV");
        Prop("data_sha256", r.DataSha256);
        Prop("seq", r.Seq);
        if (r.Descriptor is not null)
        {
            Prop("descriptor", Convert.ToBase64String(DatasetRecord.DescriptorBytes(r.Descriptor)));
        }

        var url = $"{baseUrl}/api/datasets/{r.Id}";
        var o = new JsonObject
        {
            ["@context"] = "https://schema.org",
            ["@type"] = "Dataset",
            ["@id"] = url,
            ["identifier"] = r.Id,
            ["name"] = r.Title ?? r.FileName,
            ["description"] = r.Description ?? $"{r.SignalType} {string.Join(" × ", r.Shape)} ({r.Format})",
            ["url"] = url,
            ["dateCreated"] = r.AcquiredMs is { } a ? DatasetRecord.Iso(a) : null,
            ["datePublished"] = DatasetRecord.Iso(r.IngestedMs),
            ["dateModified"] = DatasetRecord.Iso(r.UpdatedMs),
            ["measurementTechnique"] = r.Technique ?? r.SignalType,
            ["keywords"] = new JsonArray(r.Elements.Select(e => (JsonNode)e).Append(r.SignalType).ToArray()),
            ["isAccessibleForFree"] = r.Visibility == Visibility.Public,
            ["conditionsOfAccess"] = r.Visibility.Name() + (r.EmbargoMs > 0 ? $", embargoed until {DatasetRecord.Iso(r.EmbargoMs)}" : string.Empty),
            ["about"] = r.Sample is null ? null : new JsonObject { ["@type"] = "Thing", ["name"] = r.Sample },
            ["creator"] = r.Operator is null ? null : new JsonObject { ["@type"] = "Person", ["name"] = r.Operator },
            ["sourceOrganization"] = r.Institution.Length == 0 ? null : new JsonObject { ["@type"] = "Organization", ["name"] = r.Institution },
            ["thumbnailUrl"] = $"{url}/preview.png?kind=thumb",
            ["image"] = $"{url}/preview.png",
            ["distribution"] = new JsonArray(r.Files.Select((f, i) => (JsonNode)new JsonObject
            {
                ["@type"] = "DataDownload",
                ["name"] = f.Name,
                ["contentUrl"] = $"{url}/file" + (i == 0 ? string.Empty : $"?name={Uri.EscapeDataString(f.Name)}"),
                ["contentSize"] = f.Size,
                ["encodingFormat"] = r.Format,
                ["sha256"] = f.Sha256,
            }).ToArray()),
            ["additionalProperty"] = props,
        };
        foreach (var k in o.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList())
        {
            o.Remove(k);
        }

        return o;
    }

    /// <summary>The feed's notice that a record once public is no longer: its @id and identifier, nothing else.</summary>
    public static JsonObject Retraction(string id, string baseUrl) => new()
    {
        ["@context"] = "https://schema.org",
        ["@type"] = "Dataset",
        ["@id"] = $"{baseUrl.TrimEnd('/')}/api/datasets/{id}",
        ["identifier"] = id,
        [Prefix + "retracted"] = true,
    };

    /// <summary>The id of a retraction, or null for a record.</summary>
    public static string? RetractedId(JsonNode doc) =>
        doc[Prefix + "retracted"]?.GetValue<bool>() == true ? doc["identifier"]?.GetValue<string>() : null;

    /// <summary>
    /// A record from a schema.org Dataset written by <see cref="Export"/>; <see cref="CatalogException"/> names what is
    /// missing or malformed. The record keeps its id, hashes and descriptor; project, visibility and origin are the importer's.
    /// </summary>
    public static DatasetRecord Import(JsonNode doc, string projectId, Visibility visibility, string? origin)
    {
        try
        {
            if (doc["@type"]?.GetValue<string>() != "Dataset")
            {
                throw new CatalogException(CatalogError.Invalid, "not a schema.org Dataset (@type must be Dataset)");
            }

            var props = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            foreach (var p in doc["additionalProperty"]?.AsArray() ?? [])
            {
                var id = p?["propertyID"]?.GetValue<string>();
                if (id is not null && id.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    props[id[Prefix.Length..]] = p!["value"];
                }
            }

            string S(string k) => props.GetValueOrDefault(k)?.GetValue<string>() ?? throw new CatalogException(CatalogError.Invalid, $"the Dataset lacks {Prefix}{k}");
            string? O(string k) => props.GetValueOrDefault(k)?.GetValue<string>();
            var files = (doc["distribution"]?.AsArray() ?? []).Select(d => new StoredFile(
                ObjectStore.SafeName(d!["name"]!.GetValue<string>()),
                CheckSha(d["sha256"]!.GetValue<string>()),
                d["contentSize"]!.GetValue<long>())).ToList();
            if (files.Count == 0)
            {
                throw new CatalogException(CatalogError.Invalid, "the Dataset has no distribution (file) with a sha256");
            }

            string recordId = S("id");
            if (recordId.Length != 16 || !recordId.All(char.IsAsciiHexDigitLower))
            {
                throw new CatalogException(CatalogError.Invalid, $"'{recordId}' is not a Condenser dataset id");
            }

            long Time(string k) => doc[k] is { } t ? DatasetRecord.ParseTime(t.GetValue<string>(), k) : Clock.NowMs();
            var descriptor = O("descriptor") is { } b64 ? DatasetRecord.DescriptorFrom(Convert.FromBase64String(b64)) : null;
            return new DatasetRecord
            {
                Id = recordId,
                FileSha256 = files[0].Sha256,
                DatasetIndex = props.GetValueOrDefault("dataset_index")?.GetValue<int>() ?? 0,
                DataSha256 = O("data_sha256"),
                FileName = files[0].Name,
                FileSize = files[0].Size,
                Files = files,
                Format = S("format"),
                Name = O("dataset_name") ?? string.Empty,
                Shape = props.GetValueOrDefault("shape")?.AsArray().Select(x => x!.GetValue<int>()).ToArray() ?? [],
                NavigationDims = props.GetValueOrDefault("navigation_dims")?.GetValue<int>() ?? 0,
                DType = O("dtype") ?? string.Empty,
                SignalType = O("signal_type") ?? string.Empty,
                Technique = O("technique"),
                Instrument = O("instrument") ?? string.Empty,
                Detector = O("detector"),
                BeamEnergyKeV = props.GetValueOrDefault("beam_energy")?.GetValue<double>(),
                AcquiredMs = doc["dateCreated"] is { } dc ? DatasetRecord.ParseTime(dc.GetValue<string>(), "dateCreated") : null,
                IngestedMs = Clock.NowMs(),
                UpdatedMs = Time("dateModified"),
                Title = doc["name"]?.GetValue<string>(),
                Sample = doc["about"]?["name"]?.GetValue<string>(),
                Elements = (doc["keywords"]?.AsArray() ?? []).Select(k => k!.GetValue<string>()).Where(k => DatasetRecord.ElementSymbols.Contains(k)).ToList(),
                Description = doc["description"]?.GetValue<string>(),
                Operator = doc["creator"]?["name"]?.GetValue<string>(),
                ProjectId = projectId,
                Visibility = visibility,
                Origin = origin,
                Info = "{}",
                Descriptor = descriptor?.Length == Similarity.Descriptor.Length ? descriptor : null,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or NullReferenceException or KeyNotFoundException)
        {
            throw new CatalogException(CatalogError.Invalid, $"not a Dataset this library can import: {e.Message}", e);
        }
    }

    private static string CheckSha(string s) => s.Length == 64 && s.All(char.IsAsciiHexDigitLower) ? s : throw new CatalogException(CatalogError.Invalid, $"'{s}' is not a SHA-256");
}
