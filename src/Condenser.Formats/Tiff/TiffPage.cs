using Condenser.Data;

namespace Condenser.Formats.Tiff;

/// <summary>The pixel layout of one TIFF page, validated.</summary>
internal sealed class TiffPage
{
    public required TiffIfd Ifd { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    public required int Bits { get; init; }

    public required int Channels { get; init; }

    public required int SampleFormat { get; init; }

    public required int Compression { get; init; }

    public required DType DType { get; init; }

    public required long[] Strips { get; init; }

    public required long[] StripCounts { get; init; }

    /// <summary>Decoded bytes of the page.</summary>
    public long Bytes => (long)Width * Height * Channels * DType.Size();

    /// <summary>True when the page's strips follow each other without gaps (so ImageJ frames can follow them).</summary>
    public bool IsSingleContiguousBlock
    {
        get
        {
            for (int i = 1; i < Strips.Length; i++)
            {
                if (i >= StripCounts.Length || Strips[i] != Strips[i - 1] + StripCounts[i - 1])
                {
                    return false;
                }
            }

            return true;
        }
    }

    public bool SameGeometry(TiffPage o) => Width == o.Width && Height == o.Height && Bits == o.Bits && Channels == o.Channels && SampleFormat == o.SampleFormat;

    public static TiffPage From(string path, TiffIfd ifd, int index)
    {
        int width = (int)(ifd.Number(256) ?? 0), height = (int)(ifd.Number(257) ?? 0);
        int bits = (int)(ifd.Number(258) ?? 1), spp = (int)(ifd.Number(277) ?? 1);
        int format = (int)(ifd.Number(339) ?? 1), planar = (int)(ifd.Number(284) ?? 1);
        int compression = (int)(ifd.Number(259) ?? 1);
        if (width <= 0 || height <= 0 || width > 1 << 24 || height > 1 << 24)
        {
            throw new EmFileException(path, ifd.Offset, $"page {index}: size {width}×{height} is not valid");
        }

        if (spp is < 1 or > 4 || (spp > 1 && planar != 1))
        {
            throw new EmFileException(path, ifd.Offset, $"page {index}: {spp} samples per pixel with planar configuration {planar} is not supported");
        }

        var dtype = (format, bits, spp) switch
        {
            (_, 8, 3) => DType.Rgb8,
            (_, 8, 4) => DType.Rgba8,
            (1 or 4, 16, 3 or 4) => DType.UInt16, // 16-bit RGB(A): the samples, with a channel axis (as tifffile presents them)
            (_, 1, 1) => DType.Bool,
            (1 or 4, 8, 1) => DType.UInt8,
            (1 or 4, 16, 1) => DType.UInt16,
            (1 or 4, 32, 1) => DType.UInt32,
            (1 or 4, 64, 1) => DType.UInt64,
            (2, 8, 1) => DType.Int8,
            (2, 16, 1) => DType.Int16,
            (2, 32, 1) => DType.Int32,
            (2, 64, 1) => DType.Int64,
            (3, 32, 1) => DType.Float32,
            (3, 64, 1) => DType.Float64,
            (6, 64, 1) => DType.Complex64,
            (6, 128, 1) => DType.Complex128,
            _ => throw new EmFileException(path, ifd.Offset, $"page {index}: {bits}-bit samples of format {format} × {spp} are not supported"),
        };

        var page = new TiffPage
        {
            Ifd = ifd,
            Width = width,
            Height = height,
            Bits = bits,
            Channels = spp,
            SampleFormat = format,
            Compression = compression,
            DType = dtype,
            Strips = ifd.Numbers(273).Select(v => (long)v).ToArray(),
            StripCounts = ifd.Numbers(279).Select(v => (long)v).ToArray(),
        };
        if (page.Bytes > TiffFormat.MaxPageBytes)
        {
            throw new EmFileException(path, ifd.Offset, $"page {index}: {page.Bytes} bytes decoded is more than one page may hold");
        }

        for (int i = 0; i < page.Strips.Length; i++)
        {
            long count = i < page.StripCounts.Length ? page.StripCounts[i] : 0;
            if (page.Strips[i] < 0 || count < 0 || page.Strips[i] > ifd.FileLength || count > ifd.FileLength - page.Strips[i])
            {
                throw new EmFileException(path, ifd.Offset, $"page {index}: strip {i} ({count} bytes at {page.Strips[i]}) passes the end of the file");
            }
        }

        // Stored bytes bound the decoded size: equal when uncompressed, at most a generous ratio (1024:1, deflate's
        // limit is about 1032:1) when compressed. Stored bytes are counted once however many strips or tiles name
        // them: strips that all point at one small compressed block are a decompression bomb.
        bool tiled = ifd.Has(322);
        long[] offsets = tiled ? [.. ifd.Numbers(324).Select(v => (long)v)] : page.Strips;
        long[] counts = tiled ? [.. ifd.Numbers(325).Select(v => (long)v)] : page.StripCounts;
        long stored = DistinctBytes(offsets, counts, ifd.FileLength);
        long bound = compression == 1 ? stored + 16 : (1024 * stored) + (1 << 20);
        if ((!tiled && stored <= 0) || (bits >= 8 && page.Bytes > bound))
        {
            string what = compression == 1 ? $"its {(tiled ? "tiles" : "strips")} hold {stored}" : $"its {(tiled ? "tiles" : "strips")} hold {stored} compressed (at most {bound} decoded: more is a decompression bomb)";
            throw new EmFileException(path, ifd.Offset, $"page {index}: {width}×{height} pixels need {page.Bytes} bytes but {what}");
        }

        return page;
    }

    /// <summary>Bytes of the file the ranges (offset, count) cover, each byte counted once; ranges are clipped to the file.</summary>
    internal static long DistinctBytes(long[] offsets, long[] counts, long fileLength)
    {
        var ranges = new List<(long Start, long End)>(offsets.Length);
        for (int i = 0; i < offsets.Length && i < counts.Length; i++)
        {
            long start = Math.Clamp(offsets[i], 0, fileLength);
            long end = counts[i] > fileLength - start ? fileLength : start + Math.Max(0, counts[i]);
            if (end > start)
            {
                ranges.Add((start, end));
            }
        }

        ranges.Sort();
        long total = 0, reached = 0;
        foreach (var (start, end) in ranges)
        {
            long from = Math.Max(start, reached);
            if (end > from)
            {
                total += end - from;
            }

            reached = Math.Max(reached, end);
        }

        return total;
    }

    /// <summary>Decodes the current directory of <paramref name="tiff"/> into <paramref name="result"/> (C order, bits unpacked to 0/1).</summary>
    public void Decode(BitMiracle.LibTiff.Classic.Tiff tiff, Span<byte> result)
    {
        int pixelBytes = Bits == 1 ? 1 : Bits / 8 * Channels;
        long rowBytesPacked = Bits == 1 ? (Width + 7) / 8 : (long)Width * pixelBytes;
        if (tiff.IsTiled())
        {
            int tw = (int)(Ifd.Number(322) ?? 0), th = (int)(Ifd.Number(323) ?? 0);
            if (tw <= 0 || th <= 0 || Bits == 1)
            {
                throw new InvalidDataException($"tiles of {tw}×{th} are not supported here");
            }

            long tileBytes = (long)tw * th * pixelBytes;
            if (tileBytes > 64L << 20 || tiff.TileSize() > tileBytes)
            {
                throw new InvalidDataException($"tiles of {tw}×{th} are too large");
            }

            var tile = new byte[tiff.TileSize()];
            long tileRow = (long)tw * pixelBytes;
            for (int y = 0; y < Height; y += th)
            {
                for (int x = 0; x < Width; x += tw)
                {
                    int t = tiff.ComputeTile(x, y, 0, 0);
                    if (tiff.ReadEncodedTile(t, tile, 0, tile.Length) < 0)
                    {
                        throw new InvalidDataException($"tile {t} cannot be decoded");
                    }

                    int rows = Math.Min(th, Height - y), cols = Math.Min(tw, Width - x);
                    for (int r = 0; r < rows; r++)
                    {
                        tile.AsSpan((int)(r * tileRow), cols * pixelBytes).CopyTo(result[(int)((((long)(y + r) * Width) + x) * pixelBytes)..]);
                    }
                }
            }

            return;
        }

        int strips = tiff.NumberOfStrips();
        var packed = Bits == 1 ? new byte[rowBytesPacked * Height] : result;
        long total = packed.Length;
        // A strip never holds more than the page: a damaged RowsPerStrip must not size the buffer.
        var buffer = new byte[Math.Max(1, Math.Min(tiff.StripSize(), total))];
        long at = 0;
        for (int s = 0; s < strips && at < total; s++)
        {
            int n = tiff.ReadEncodedStrip(s, buffer, 0, buffer.Length);
            if (n < 0)
            {
                throw new InvalidDataException($"strip {s} cannot be decoded");
            }

            int take = (int)Math.Min(n, total - at);
            buffer.AsSpan(0, take).CopyTo(packed[(int)at..]);
            at += take;
        }

        if (at < total)
        {
            throw new InvalidDataException($"the strips hold {at} of the page's {total} bytes");
        }

        if (Bits == 1)
        {
            bool whiteIsZero = (int)(Ifd.Number(262) ?? 1) == 0;
            for (int r = 0; r < Height; r++)
            {
                for (int c = 0; c < Width; c++)
                {
                    int bit = (packed[(int)((r * rowBytesPacked) + (c >> 3))] >> (7 - (c & 7))) & 1;
                    result[(r * Width) + c] = (byte)(whiteIsZero ? 1 - bit : bit);
                }
            }
        }
    }
}
