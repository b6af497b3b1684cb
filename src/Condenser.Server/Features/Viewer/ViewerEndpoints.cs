using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using Condenser.Catalog;
using Condenser.Catalog.Ingest;
using Condenser.Catalog.Records;
using Condenser.Data;
using Condenser.Processing.FourDStem;
using Condenser.Processing.Analyses;
using Condenser.Processing.Imaging;
using Condenser.Rendering;
using Condenser.Server.Hosting;

namespace Condenser.Server.Features.Viewer;

/// <summary>
/// Values for the web viewer, as float32 little-endian arrays with their shape and calibration in headers
/// (<c>X-Shape: rows,cols</c>, <c>X-Scale</c>, <c>X-Offset</c>, <c>X-Units</c>, <c>X-Axis-Name</c> and <c>X-Caption</c> percent-encoded): the picture of a dataset, the frame
/// (pattern or spectrum) at a scan position, and the virtual image of a detector drawn on a 4D-STEM pattern. A picture
/// of more than <see cref="MaxPixels"/> pixels is sent binned (mean of b × b blocks, <c>X-Binning: b</c>, the scale
/// multiplied by b), so that no answer exceeds 64 MiB; the cache holds at most <see cref="MaxCacheBytes"/>.
/// </summary>
public static class ViewerEndpoints
{
    /// <summary>The most pixels one answer holds (16 Mi float32 values: 64 MiB).</summary>
    public const long MaxPixels = 16L << 20;

    /// <summary>The most bytes of pictures kept for the next request.</summary>
    public const long MaxCacheBytes = 256L << 20;

    private static readonly ConcurrentDictionary<string, Picture> Cache = new(StringComparer.Ordinal);
    private const int CacheEntries = 64;

    private sealed record Picture(float[] Values, int Rows, int Cols, Axis XAxis, string Caption, int Binning = 1, double? MradPerPixel = null);

    /// <summary>Maps the endpoints.</summary>
    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/datasets/{id}/view").WithTags("viewer");
        g.MapGet("/image", Image).ProducesFloat32Values().WithSummary("The dataset's picture: the image, the mean of a stack, the summed map of a spectrum image, or a 4D-STEM scan's bright-field image");
        g.MapGet("/mean", Mean).ProducesFloat32Values().WithSummary("The mean frame (a 4D-STEM scan's mean diffraction pattern, with the detector's calibration in X-Mrad-Per-Pixel where known; a spectrum image's mean spectrum)");
        g.MapGet("/frame", Frame).ProducesFloat32Values().WithSummary("The frame (diffraction pattern or spectrum) at scan position y, x");
        g.MapGet("/virtual", Virtual).ProducesFloat32Values().WithSummary("A 4D-STEM virtual image at every scan position: shape annulus (default; r_in ≤ r < r_out), disk (r < r_out), rectangle (height × width centred on cy, cx) or point (the pixel at cy, cx); detector pixels");
        g.MapGet("/com", CenterOfMass).ProducesFloat32Values().WithSummary("A 4D-STEM centre-of-mass view: map shift_y, shift_x, magnitude (default), divergence, curl or idpc (detector pixels), around the reference centre cy, cx (default: the bright-field disk)");
    }

    private static IResult Image(string id, HttpContext ctx, Catalog.Library catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "view");
        var p = Cached($"{rec.Id}:image", () =>
        {
            using var file = catalog.OpenFile(rec);
            var ds = file.Datasets[rec.DatasetIndex];
            var pic = PreviewImage.From(ds, null, ctx.RequestAborted);
            if (FourDStemInputs.IsDiffractionScan(ds) && pic.Values is not null)
            {
                pic = PreviewSet.VirtualBrightField(ds, pic.Values, ctx.RequestAborted);
            }

            return From(pic);
        });
        return Send(ctx, p);
    }

    private static IResult Mean(string id, HttpContext ctx, Catalog.Library catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "view");
        var p = Cached($"{rec.Id}:mean", () =>
        {
            using var file = catalog.OpenFile(rec);
            var ds = file.Datasets[rec.DatasetIndex];

            // With the detector's calibration, so that the viewer can give radii and sizes in mrad.
            var mrad = FourDStemInputs.IsDiffractionScan(ds) ? DetectorCalibration.MradPerPixel(ds) : null;
            return From(PreviewImage.MeanFrame(ds, null, ctx.RequestAborted)) with { MradPerPixel = mrad };
        });
        return Send(ctx, p);
    }

    private static IResult Frame(string id, int? y, int? x, HttpContext ctx, Catalog.Library catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "view");
        using var file = catalog.OpenFile(rec);
        var ds = file.Datasets[rec.DatasetIndex];
        var nav = ds.Shape.Navigation;
        if (nav.Count == 0)
        {
            throw new CatalogException(CatalogError.Invalid, $"dataset {id} has no scan positions");
        }

        int nx = nav[^1];
        long rows = ds.FrameCount / nx;
        int yy = y ?? 0, xx = x ?? 0;
        if (yy < 0 || yy >= rows || xx < 0 || xx >= nx)
        {
            throw new CatalogException(CatalogError.Invalid, $"position y={yy}, x={xx} is outside the scan ({rows} × {nx})");
        }

        var bytes = new byte[ds.FrameBytes];
        ds.ReadFrame((yy * (long)nx) + xx, bytes);
        var values = new double[ds.Shape.SignalCount];
        ds.DType.ReadInto(bytes, values);
        var sig = ds.Shape.Signal;
        int cols = sig[^1], r = (int)(values.Length / Math.Max(1, cols));
        return Send(ctx, new Picture(values.Select(v => (float)v).ToArray(), r, cols, ds.Axes[^1], $"frame at y={yy}, x={xx}"));
    }

    private static IResult Virtual(string id, double cy, double cx, double? r_in, double? r_out, string? shape, double? height, double? width, HttpContext ctx, Catalog.Library catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "view");

        // The query as the analysis' own parameters, checked by the same parser a saved detector goes through.
        var parameters = new System.Text.Json.Nodes.JsonObject { ["shape"] = shape ?? "annulus", ["center"] = new System.Text.Json.Nodes.JsonArray(cy, cx) };
        // The query's keys that the shape has (a disk's r_in, say, is not a parameter of it and is left out).
        (string Key, double? Value)[] given = (shape ?? "annulus") switch
        {
            "annulus" => [("inner", r_in), ("outer", r_out)],
            "disk" => [("outer", r_out)],
            "rectangle" => [("height", height), ("width", width)],
            _ => [],
        };
        foreach (var (key, value) in given)
        {
            if (value is { } v)
            {
                parameters[key] = v;
            }
        }

        var cacheKey = string.Create(CultureInfo.InvariantCulture, $"{rec.Id}:virtual:{parameters.ToJsonString()}");
        var picture = Cached(cacheKey, () =>
        {
            using var file = catalog.OpenFile(rec);
            var ds = FourDStemOf(file, rec);
            var run = new AnalysisRun(ds, null, new AnalysisRunOptions { Cancel = ctx.RequestAborted, Identify = false });
            AnalysisResult result;
            try
            {
                result = AnalysisRequests.Run(VirtualImage.Name, parameters, run);
            }
            catch (ArgumentException e)
            {
                throw new CatalogException(CatalogError.Invalid, e.Message, e);
            }

            return ScanPicture(ds, result.Values(VirtualImage.Title), "virtual detector" + Described(result.Provenance.Parameters));
        });
        return Send(ctx, picture);
    }

    /// <summary>The detector a virtual image used, in detector pixels, from its provenance's parameters.</summary>
    private static string Described(MetadataTree p)
    {
        double D(string key) => Convert.ToDouble(p[key], CultureInfo.InvariantCulture);
        return (p["detector_shape"] as string) switch
        {
            "rectangle" => string.Create(CultureInfo.InvariantCulture, $": rectangle {D("rectangle_height_px"):G4} × {D("rectangle_width_px"):G4} px around ({D("center_y_px"):G4}, {D("center_x_px"):G4})"),
            "point" => string.Create(CultureInfo.InvariantCulture, $": the pixel at ({Math.Floor(D("center_y_px") + 0.5):G4}, {Math.Floor(D("center_x_px") + 0.5):G4})"),
            _ => string.Create(CultureInfo.InvariantCulture, $" {D("annulus_inner_px"):G4}–{D("annulus_outer_px"):G4} px around ({D("center_y_px"):G4}, {D("center_x_px"):G4})"),
        };
    }

    /// <summary>Values over <paramref name="ds"/>'s scan as a picture (rows of the last scan axis).</summary>
    private static Picture ScanPicture(EmDataset ds, double[] values, string caption)
    {
        int nx = ds.Shape.Navigation[^1];
        return new Picture(values.Select(v => (float)v).ToArray(), (int)(ds.FrameCount / nx), nx, ds.Axes[ds.Shape.Navigation.Count - 1], caption);
    }

    /// <summary>The maps a centre-of-mass view can show, by the names the endpoint takes.</summary>
    private static readonly Dictionary<string, string> ComMaps = new(StringComparer.Ordinal)
    {
        ["shift_y"] = "com shift y", ["shift_x"] = "com shift x", ["magnitude"] = "com shift magnitude",
        ["divergence"] = "dpc divergence", ["curl"] = "dpc curl", ["idpc"] = CenterOfMassAnalysis.Idpc,
    };

    private static IResult CenterOfMass(string id, double? cy, double? cx, string? map, HttpContext ctx, Catalog.Library catalog)
    {
        var rec = catalog.Get(id, ctx.Caller(), "view");
        map ??= "magnitude";
        if (!ComMaps.TryGetValue(map, out var title))
        {
            throw new CatalogException(CatalogError.Invalid, $"map '{Catalog.Library.Printable(map)}': give {string.Join(", ", ComMaps.Keys)}");
        }

        if (cy is { } y && cx is { } x ? !double.IsFinite(y) || !double.IsFinite(x) : cy is not null || cx is not null)
        {
            throw new CatalogException(CatalogError.Invalid, "the reference centre needs both cy and cx, finite (detector pixels), or neither (the bright-field disk)");
        }

        string Key(string m) => string.Create(CultureInfo.InvariantCulture, $"{rec.Id}:com:{m}:{cy:F2}:{cx:F2}");
        if (!Cache.TryGetValue(Key(map), out var picture))
        {
            // One pass gives every map: all are kept, so that choosing another map of the same centre reads nothing.
            using var file = catalog.OpenFile(rec);
            var ds = FourDStemOf(file, rec);
            var run = new AnalysisRun(ds, null, new AnalysisRunOptions { Cancel = ctx.RequestAborted, Identify = false });
            var result = CenterOfMassAnalysis.Run(run, new CenterOfMassParameters(cy is null ? null : (cy.Value, cx!.Value)));
            var center = result.Summary["center"]!.AsArray();
            var around = string.Create(CultureInfo.InvariantCulture, $"centre of mass around ({center[0]!.GetValue<double>():G4}, {center[1]!.GetValue<double>():G4})");
            var (sy, sx) = (result.Values("com shift y"), result.Values("com shift x"));
            foreach (var (name, mapTitle) in ComMaps)
            {
                double[]? values = name == "magnitude" ? [.. sy.Zip(sx, (a, b) => Math.Sqrt((a * a) + (b * b)))]
                    : result.Datasets.Any(d => d.Name == mapTitle) ? result.Values(mapTitle) : null;
                if (values is not null)
                {
                    var made = Remember(Key(name), ScanPicture(ds, values, $"{mapTitle} (px), {around}"));
                    picture = name == map ? made : picture;
                }
            }

            if (picture is null)
            {
                throw new CatalogException(CatalogError.Invalid, $"dataset {id}: {result.Summary["rotation_undetermined"]?.GetValue<string>() ?? "no DPC maps for a scan that is not 2-d"}");
            }
        }

        return Send(ctx, picture);
    }

    private static EmDataset FourDStemOf(Condenser.Formats.EmFile file, DatasetRecord rec)
    {
        var ds = file.Datasets[rec.DatasetIndex];
        return FourDStemInputs.IsDiffractionScan(ds) ? ds : throw new CatalogException(CatalogError.Invalid, $"dataset {rec.Id} is not a 4D-STEM scan");
    }

    private static Picture From(PreviewImage p)
    {
        return new Picture(p.GreyValues().Select(x => (float)x).ToArray(), p.Height, p.Width, p.XAxis, p.Caption);
    }

    private static Picture Cached(string key, Func<Picture> make)
    {
        if (Cache.TryGetValue(key, out var hit))
        {
            return hit;
        }

        return Remember(key, make());
    }

    /// <summary>Keeps <paramref name="picture"/> (binned) for the next request of <paramref name="key"/>, within the cache's bounds.</summary>
    private static Picture Remember(string key, Picture picture)
    {
        var p = Binned(picture);
        long held = Cache.Values.Sum(c => (long)c.Values.Length * sizeof(float));
        if (Cache.Count >= CacheEntries || held + ((long)p.Values.Length * sizeof(float)) > MaxCacheBytes)
        {
            Cache.Clear();
        }

        Cache[key] = p;
        return p;
    }

    /// <summary>The picture, or its mean over b × b blocks (the smallest b that fits <see cref="MaxPixels"/>).</summary>
    private static Picture Binned(Picture p)
    {
        long pixels = (long)p.Rows * p.Cols;
        if (pixels <= MaxPixels)
        {
            return p;
        }

        int b = (int)Math.Ceiling(Math.Sqrt(pixels / (double)MaxPixels));
        while ((long)((p.Rows + b - 1) / b) * ((p.Cols + b - 1) / b) > MaxPixels)
        {
            b++;
        }

        int rows = (p.Rows + b - 1) / b, cols = (p.Cols + b - 1) / b;
        var sums = new double[(long)rows * cols];
        var counts = new int[sums.Length];
        for (int y = 0; y < p.Rows; y++)
        {
            long src = (long)y * p.Cols, dst = (long)(y / b) * cols;
            for (int x = 0; x < p.Cols; x++)
            {
                sums[dst + (x / b)] += p.Values[src + x];
                counts[dst + (x / b)]++;
            }
        }

        var values = new float[sums.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(sums[i] / counts[i]);
        }

        return p with { Values = values, Rows = rows, Cols = cols, XAxis = p.XAxis with { Scale = p.XAxis.Scale * b, Size = cols }, Binning = b };
    }

    private static IResult Send(HttpContext ctx, Picture p)
    {
        p = Binned(p);
        var h = ctx.Response.Headers;
        h["X-Shape"] = $"{p.Rows},{p.Cols}";
        h["X-Binning"] = p.Binning.ToString(CultureInfo.InvariantCulture);
        h["X-Scale"] = p.XAxis.Scale.ToString("R", CultureInfo.InvariantCulture);
        h["X-Offset"] = p.XAxis.Offset.ToString("R", CultureInfo.InvariantCulture);
        h["X-Units"] = Uri.EscapeDataString(p.XAxis.Units ?? string.Empty);
        h["X-Axis-Name"] = Uri.EscapeDataString(p.XAxis.Name ?? string.Empty);
        h["X-Caption"] = Uri.EscapeDataString(p.Caption);
        if (p.MradPerPixel is { } mrad)
        {
            h["X-Mrad-Per-Pixel"] = mrad.ToString("R", CultureInfo.InvariantCulture);
        }

        h.CacheControl = "private, max-age=60";
        return Results.Bytes(MemoryMarshal.AsBytes(p.Values.AsSpan()).ToArray(), "application/octet-stream");
    }
}
