using System.Runtime.InteropServices;
using Condenser.Data;
using Condenser.Data.Storage;

namespace Condenser.Formats.DigitalMicrograph;

/// <summary>DM's packed complex FFT layouts, unpacked to the full complex array as RosettaSciIO does.</summary>
internal static class PackedComplex
{
    /// <summary>Types 27/28: rows of w/2+1 complex values, mirrored and conjugated to the full width.</summary>
    public static ArrayStorage UnpackNew(string path, MappedFile file, DmArrayRef data, int[] shape, DType dtype, bool little)
    {
        if (shape.Length != 2)
        {
            throw new EmFileException(path, data.Offset, "packed complex data must be 2-d");
        }

        int rows = shape[0], width = shape[1];
        int packedWidth = (width / 2) + 1;
        // Even widths: the packed row reversed, then the conjugates of its inner columns (RosettaSciIO's layout).
        // Odd widths keep the declared width: one more conjugate column completes the row.
        int outWidth = width;
        int size = dtype.Size();
        long need = (long)rows * packedWidth * size;
        if (need > data.ByteLength)
        {
            throw new EmFileException(path, data.Offset, $"packed complex data needs {need} bytes, the array holds {data.ByteLength}");
        }

        var src = file.Span(data.Offset, checked((int)need)).ToArray();
        if (!little)
        {
            ByteOrder.SwapInPlace(src, dtype.SwapUnit());
        }

        var dst = new byte[(long)rows * outWidth * size];
        if (dtype == DType.Complex64)
        {
            Unpack(MemoryMarshal.Cast<byte, float>(src), MemoryMarshal.Cast<byte, float>(dst.AsSpan()), rows, packedWidth, outWidth);
        }
        else
        {
            Unpack(MemoryMarshal.Cast<byte, double>(src), MemoryMarshal.Cast<byte, double>(dst.AsSpan()), rows, packedWidth, outWidth);
        }

        return new MemoryStorage(dst);
    }

    private static void Unpack<T>(ReadOnlySpan<T> src, Span<T> dst, int rows, int pw, int ow)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            // Left part: the packed row reversed; right part: conjugates of packed columns 1..pw-2.
            for (int c = 0; c < pw; c++)
            {
                int s = 2 * ((r * pw) + (pw - 1 - c));
                dst[2 * ((r * ow) + c)] = src[s];
                dst[(2 * ((r * ow) + c)) + 1] = src[s + 1];
            }

            for (int c = 1; c < ow - pw + 1; c++)
            {
                int s = 2 * ((r * pw) + c);
                int d = 2 * ((r * ow) + pw + c - 1);
                dst[d] = src[s];
                dst[d + 1] = -src[s + 1];
            }
        }
    }

    /// <summary>Type 5: the old packed layout of a real 2N × 2N image's FFT, stored as 4N² float32.</summary>
    public static ArrayStorage UnpackOld(string path, MappedFile file, DmArrayRef data, int[] shape, bool little)
    {
        if (shape.Length != 2 || shape[0] != shape[1] || shape[0] % 2 != 0)
        {
            throw new EmFileException(path, data.Offset, "old packed complex data must be a square image of even size");
        }

        int n2 = shape[0];
        int n = n2 / 2;
        long need = (long)n2 * n2 * 4;
        if (need > data.ByteLength)
        {
            throw new EmFileException(path, data.Offset, $"packed complex data needs {need} bytes, the array holds {data.ByteLength}");
        }

        var raw = file.Span(data.Offset, (int)need).ToArray();
        if (!little)
        {
            ByteOrder.SwapInPlace(raw, 4);
        }

        var t = MemoryMarshal.Cast<byte, float>(raw.AsSpan()).ToArray();
        var re = new float[n2, n2];
        var im = new float[n2, n2];
        re[n, 0] = t[0];
        re[0, 0] = t[1];
        re[n, n] = t[2 * n * n];
        re[0, n] = t[(2 * n * n) + 1];
        for (int i = 0; i < n; i++)
        {
            int start = (2 * i * n) + 2;
            for (int k = 0; k < n - 1; k++)
            {
                re[i, n + 1 + k] = t[start + (2 * k)];
                im[i, n + 1 + k] = t[start + (2 * k) + 1];
            }
        }

        for (int k = 0; k < n - 1; k++)
        {
            int s = (2 * n) + (k * 2 * n);
            re[n + 1 + k, 0] = t[s];
            im[n + 1 + k, 0] = t[s + 1];
        }

        int st = (2 * n * n) + 2;
        for (int k = 0; k < n - 1; k++)
        {
            re[n, n + 1 + k] = t[st + (2 * k)];
            im[n, n + 1 + k] = t[st + (2 * k) + 1];
        }

        int start2 = st + (2 * (n - 1));
        for (int k = 0; k < (n - 1) * n; k++)
        {
            int r = n + 1 + (k / n), c = n + (k % n);
            re[r, c] = t[start2 + (2 * k)];
            im[r, c] = t[start2 + (2 * k) + 1];
        }

        void Conj(int r, int c, int sr, int sc)
        {
            re[r, c] = re[sr, sc];
            im[r, c] = -im[sr, sc];
        }

        for (int c = 1; c < n; c++)
        {
            Conj(0, c, 0, n2 - c);
            Conj(n, c, n, n2 - c);
        }

        for (int r = 1; r < n; r++)
        {
            Conj(r, 0, n2 - r, 0);
            Conj(r, n, n2 - r, n);
            for (int c = 1; c < n; c++)
            {
                Conj(r, c, n2 - r, n2 - c);
            }
        }

        for (int r = n + 1; r < n2; r++)
        {
            for (int c = 1; c < n; c++)
            {
                Conj(r, c, n2 - r, n2 - c);
            }
        }

        var dst = new byte[(long)n2 * n2 * 8];
        var f = MemoryMarshal.Cast<byte, float>(dst.AsSpan());
        for (int r = 0; r < n2; r++)
        {
            for (int c = 0; c < n2; c++)
            {
                f[2 * ((r * n2) + c)] = re[r, c];
                f[(2 * ((r * n2) + c)) + 1] = im[r, c];
            }
        }

        return new MemoryStorage(dst);
    }
}
