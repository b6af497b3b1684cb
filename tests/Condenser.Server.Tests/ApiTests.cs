using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Condenser.Catalog.Access;
using Condenser.Catalog.Ingest;
using Condenser.Data;
using Condenser.Formats;

namespace Condenser.Server.Tests;

public class ApiTests
{
    private static async Task<JsonNode> Json(HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public async Task SearchRecordPreviewSimilarAndDownload(string backend)
    {
        await using var host = await ServerHost.Start(backend);
        var dir = host.Library.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr", "digitalmicrograph/2D/test_STEM_image.dm3", "digitalmicrograph/3D/EELS_SI.dm4");
        host.Catalog.Ingestor.IngestPaths([dir], Principal.Local, new IngestOptions { Visibility = Visibility.Public, Project = "demo", Experiment = "STO interface", Sample = "SrTiO3", Elements = ["Sr", "Ti", "O"], Goal = "oxygen vacancies" });
        using var http = host.Client();
        var experiment = (await Json(await http.GetAsync("/api/experiments")))["items"]!.AsArray().Single()!;
        Assert.Equal("STO interface", experiment["name"]!.GetValue<string>());
        Assert.Equal(3, experiment["datasets"]!.GetValue<int>());
        Assert.Equal("oxygen vacancies", experiment["goal"]!.GetValue<string>());
        Assert.Equal(3, (await Json(await http.GetAsync("/api/sessions")))["items"]!.AsArray().Sum(x => x!["datasets"]!.GetValue<int>()));
        Assert.Equal(3, (await Json(await http.GetAsync("/api/datasets?sample=SrTiO3")))["total"]!.GetValue<int>());

        var list = await Json(await http.GetAsync("/api/datasets?q=test%20stem&page=1&page_size=10"));
        Assert.Equal(1, list["total"]!.GetValue<int>());
        var item = list["items"]![0]!;
        foreach (var key in new[] { "id", "file", "format", "shape", "signal_type", "sha256" })
        {
            Assert.NotNull(item[key]);
        }

        Assert.Equal("test_STEM_image.dm3", item["file"]!.GetValue<string>());
        Assert.Equal("digitalmicrograph", item["format"]!.GetValue<string>());
        var id = item["id"]!.GetValue<string>();
        var all = await Json(await http.GetAsync("/api/datasets?page_size=50"));
        Assert.Equal(3, all["total"]!.GetValue<int>());
        Assert.Equal(3, all["facets"]!["signal_type"]!.AsArray().Sum(f => f!["count"]!.GetValue<int>()));
        Assert.Equal(3, all["facets"]!["sample"]!.AsArray().Single(f => f!["value"]!.GetValue<string>() == "SrTiO3")!["count"]!.GetValue<int>());
        Assert.Single(all["items"]!.AsArray(), i => i!["signal_type"]!.GetValue<string>() == "spectrum_image");

        // The record, with an ETag that answers 304 while nothing changed.
        var r1 = await http.GetAsync($"/api/datasets/{id}");
        var rec = await Json(r1);
        Assert.Equal(id, rec["id"]!.GetValue<string>());
        Assert.NotNull(rec["info"]!["axes"]);
        var etag = r1.Headers.ETag!;
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/datasets/{id}"))
        {
            conditional.Headers.IfNoneMatch.Add(etag);
            Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(conditional)).StatusCode);
        }

        // Previews are PNG.
        var png = await http.GetByteArrayAsync($"/api/datasets/{id}/preview.png");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/datasets/{id}/preview.png?kind=thumb")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/datasets/{id}/preview.png?kind=../../etc")).StatusCode);

        var similar = await Json(await http.GetAsync($"/api/datasets/{id}/similar"));
        Assert.Equal(2, similar["items"]!.AsArray().Count);
        Assert.DoesNotContain(similar["items"]!.AsArray(), s => s!["id"]!.GetValue<string>() == id);

        // Downloads: the original bytes, ranges, the SHA-256 as ETag.
        var original = File.ReadAllBytes(Path.Combine(dir, "test_STEM_image.dm3"));
        Assert.Equal(original, await http.GetByteArrayAsync($"/api/datasets/{id}/file"));
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/datasets/{id}/file"))
        {
            ranged.Headers.Range = new RangeHeaderValue(100, 1099);
            var r = await http.SendAsync(ranged);
            Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
            Assert.Equal(original[100..1100], await r.Content.ReadAsByteArrayAsync());
            Assert.Equal($"\"{item["sha256"]!.GetValue<string>()}\"", r.Headers.ETag!.Tag);
        }

        var mib = all["items"]!.AsArray().Single(i => i!["format"]!.GetValue<string>() == "mib")!["id"]!.GetValue<string>();
        var hdr = await http.GetByteArrayAsync($"/api/datasets/{mib}/file?name=001_4x2_6bit.hdr");
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "001_4x2_6bit.hdr")), hdr);

        var ld = await Json(await http.GetAsync($"/api/datasets/{id}/jsonld"));
        Assert.Equal("Dataset", ld["@type"]!.GetValue<string>());
        Assert.StartsWith(host.Url, ld["@id"]!.GetValue<string>());

        // NeXus export: an NXem entry whose NXdata holds the same array as the original file.
        var nxs = Path.Combine(host.Library.Folder, "export.nxs");
        File.WriteAllBytes(nxs, await http.GetByteArrayAsync($"/api/datasets/{id}/nexus"));
        using (var exported = FormatRegistry.Open(nxs))
        using (var original2 = FormatRegistry.Open(Path.Combine(dir, "test_STEM_image.dm3")))
        {
            Assert.Equal("nexus", exported.Format);
            Assert.Equal(original2.Datasets[0].ReadAll(), exported.Datasets[0].ReadAll());
            Assert.Equal(original2.Datasets[0].Axes, exported.Datasets[0].Axes);
        }

        using (var h5 = PureHDF.H5File.OpenRead(nxs))
        {
            var entry = (PureHDF.IH5Group)h5.Get("entry1");
            Assert.Equal("NXentry", entry.Attribute("NX_class").Read<string>());
            Assert.Equal("NXem", ((PureHDF.IH5Dataset)entry.Get("definition")).Read<string>());
            Assert.Equal("NXdata", ((PureHDF.IH5Group)entry.Get("data1")).Attribute("NX_class").Read<string>());
        }

        var openapi = await Json(await http.GetAsync("/openapi/v1.json"));
        var paths = openapi["paths"]!.AsObject();
        foreach (var p in new[] { "/api/datasets", "/api/datasets/{id}", "/api/datasets/{id}/preview.png", "/api/datasets/{id}/similar", "/api/feed" })
        {
            Assert.True(paths.ContainsKey(p) || paths.ContainsKey(p + "/"), $"OpenAPI lacks {p}");
        }
    }

    [Theory]
    [MemberData(nameof(Databases.Backends), MemberType = typeof(Databases))]
    public async Task ErrorsAreProblemDetails(string backend)
    {
        await using var host = await ServerHost.Start(backend);
        using var http = host.Client();
        foreach (var (url, status) in new[]
        {
            ("/api/datasets?page_size=abc", 400), ("/api/datasets?page_size=100000", 400), ("/api/datasets?sort=colour", 400),
            ("/api/datasets?from=yesterday", 400), ("/api/datasets?elements=Qq", 400), ("/api/datasets/0123456789abcdef", 404),
            ("/api/feed?since=x", 400), ("/api/nothing-here", 404), ("/api/users", 401), ("/api/audit", 401),
        })
        {
            var r = await http.GetAsync(url);
            Assert.Equal(status, (int)r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
            var p = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
            Assert.Equal(status, p["status"]!.GetValue<int>());
            Assert.False(string.IsNullOrEmpty(p["detail"]?.GetValue<string>()), url);
        }

        using var bad = host.Client("cdn_not-a-real-token");
        var unauthorised = await bad.GetAsync("/api/datasets");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        Assert.Equal("Bearer", unauthorised.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task AnonymousCallsToAdminEndpointsAreFourOhOneAndOtherUsersFourOhThree()
    {
        await using var host = await ServerHost.Start("sqlite");
        var viewer = host.Catalog.Users.Add("viewer", Role.Viewer, "Lab").Token;
        (HttpMethod Method, string Path, string? Body)[] admin =
        [
            (HttpMethod.Get, "/api/users", null), (HttpMethod.Post, "/api/users", "{\"name\":\"x\"}"), (HttpMethod.Get, "/api/audit", null),
            (HttpMethod.Post, "/api/import", "[]"), (HttpMethod.Post, "/api/federation/pull", "{\"url\":\"http://127.0.0.1:1\"}"),
        ];
        foreach (var (token, status) in new[] { ((string?)null, 401), (viewer, 403) })
        {
            using var http = host.Client(token);
            foreach (var (method, path, body) in admin)
            {
                using var request = new HttpRequestMessage(method, path);
                if (body is not null)
                {
                    request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                }

                using var r = await http.SendAsync(request);
                Assert.True((int)r.StatusCode == status, $"{(token is null ? "anonymous" : "viewer")} {method} {path}: {(int)r.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task ALargePictureIsSentBinnedWithinTheResponseBound()
    {
        await using var host = await ServerHost.Start("sqlite");
        const int n = 4200; // 17.6 Mpx: over the 16 Mpx an answer may hold, so binned 2 × 2
        var values = new float[n * n];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i % n) + (3 * (i / n % 7));
        }

        var dir = Path.Combine(host.Library.Folder, "big");
        Directory.CreateDirectory(dir);
        var id = host.Catalog.Ingestor.IngestFile(Synthetic.WriteTiff(dir, "big", values), Principal.Local, new IngestOptions { Visibility = Visibility.Public }).Ids.Single();
        using var http = host.Client();
        var r = await http.GetAsync($"/api/datasets/{id}/view/image");
        Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode}");
        Assert.Equal("2", r.Headers.GetValues("X-Binning").Single());
        Assert.Equal($"{n / 2},{n / 2}", r.Headers.GetValues("X-Shape").Single());
        Assert.Equal(2.0, double.Parse(r.Headers.GetValues("X-Scale").Single(), System.Globalization.CultureInfo.InvariantCulture));
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length <= 64 << 20);
        var binned = MemoryMarshal.Cast<byte, float>(bytes);
        foreach (var (y, x) in new[] { (0, 0), (17, 301), (n / 2 - 1, n / 2 - 1) })
        {
            double mean = (values[(2 * y * n) + (2 * x)] + values[(2 * y * n) + (2 * x) + 1] + values[((2 * y) + 1) * n + (2 * x)] + values[((2 * y) + 1) * n + (2 * x) + 1]) / 4;
            Assert.Equal(mean, binned[(y * (n / 2)) + x], 3);
        }
    }

    [Fact]
    public async Task ViewerValuesEqualTheFileAndTheVirtualDetectorSum()
    {
        await using var host = await ServerHost.Start("sqlite");
        var dir = host.Library.CopyFixtures("quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr");
        var id = host.Catalog.Ingestor.IngestPaths([dir], Principal.Local, new IngestOptions { Visibility = Visibility.Public }).Single().Ids.Single();
        using var http = host.Client();
        using var file = FormatRegistry.Open(Path.Combine(dir, "001_4x2_6bit.mib"));
        var ds = file.Datasets[0];
        int h = ds.Shape.Signal[0], w = ds.Shape.Signal[1], nx = ds.Shape.Navigation[1];

        async Task<(float[] Values, string Shape)> Get(string url)
        {
            var r = await http.GetAsync(url);
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
            return (MemoryMarshal.Cast<byte, float>(await r.Content.ReadAsByteArrayAsync()).ToArray(), r.Headers.GetValues("X-Shape").Single());
        }

        // The frame at (1, 2) is the file's frame 1·nx + 2.
        var (frame, shape) = await Get($"/api/datasets/{id}/view/frame?y=1&x=2");
        Assert.Equal($"{h},{w}", shape);
        var bytes = new byte[ds.FrameBytes];
        var expected = new double[h * w];
        ds.ReadFrame(nx + 2, bytes);
        ds.DType.ReadInto(bytes, expected);
        Assert.Equal(expected.Select(v => (float)v), frame);

        // A virtual annulus 20..90 px around (128, 128): the sum over the pixels whose centres lie at 20 ≤ r < 90, at each position.
        var (image, vshape) = await Get($"/api/datasets/{id}/view/virtual?cy=128&cx=128&r_in=20&r_out=90");
        Assert.Equal($"{ds.Shape.Navigation[0]},{nx}", vshape);
        for (long f = 0; f < ds.FrameCount; f++)
        {
            ds.ReadFrame(f, bytes);
            ds.DType.ReadInto(bytes, expected);
            double sum = 0;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    double r2 = ((y - 128.0) * (y - 128.0)) + ((x - 128.0) * (x - 128.0));
                    if (r2 >= 20 * 20 && r2 < 90 * 90)
                    {
                        sum += expected[(y * w) + x];
                    }
                }
            }

            Assert.Equal(sum, image[f], 1e-3);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/datasets/{id}/view/frame?y=9&x=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/datasets/{id}/view/virtual?cy=1&cx=1&r_in=5&r_out=2")).StatusCode);
        var (picture, _) = await Get($"/api/datasets/{id}/view/mean");
        Assert.Equal(h * w, picture.Length);

        // LiberTEM's other shapes and the centre-of-mass view: the sums over the file's frames.
        var (rect, _) = await Get($"/api/datasets/{id}/view/virtual?shape=rectangle&cy=100&cx=150&height=30&width=8");
        var (point, _) = await Get($"/api/datasets/{id}/view/virtual?shape=point&cy=90.4&cx=33.6");
        var (comX, _) = await Get($"/api/datasets/{id}/view/com?map=shift_x&cy=127.5&cx=127.5");
        for (int p = 0; p < ds.FrameCount; p++)
        {
            ds.ReadFrame(p, bytes);
            ds.DType.ReadInto(bytes, expected);
            double sum = 0, total = 0, moment = 0;
            for (int y = 85; y < 115; y++)
            {
                for (int x = 146; x < 154; x++)
                {
                    sum += expected[(y * 256) + x];
                }
            }

            for (int i = 0; i < expected.Length; i++)
            {
                total += expected[i];
                moment += expected[i] * ((i % 256) - 127.5);
            }

            Assert.Equal((float)sum, rect[p]);
            Assert.Equal((float)expected[(90 * 256) + 34], point[p]);
            Assert.Equal((float)(moment / total), comX[p], 3);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/datasets/{id}/view/virtual?shape=hexagon&cy=1&cx=1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/datasets/{id}/view/virtual?shape=rectangle&cy=1&cx=1&height=4")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/datasets/{id}/view/com?map=vorticity")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/datasets/{id}/view/com?cy=4")).StatusCode);
    }
}
