namespace Condenser.Acquisition.DigitalTwin;

/// <summary>
/// The dose the sample has received, on a grid of <see cref="CellNm"/> cells kept in tiles allocated where the beam
/// has been (e⁻/Å²). Drives beam damage and the dose-per-area budget.
/// </summary>
internal sealed class DoseMap
{
    public const double CellNm = 1.0;
    private const int Tile = 128;
    private readonly Dictionary<(long, long), double[]> _tiles = [];
    private readonly Lock _gate = new();

    /// <summary>The largest accumulated dose anywhere (e⁻/Å²).</summary>
    public double Peak { get; private set; }

    /// <summary>Dose accumulated at (x, y) (e⁻/Å²).</summary>
    public double At(double x, double y)
    {
        long cx = (long)Math.Floor(x / CellNm), cy = (long)Math.Floor(y / CellNm);
        lock (_gate)
        {
            return Cell(cx, cy);
        }
    }

    /// <summary>
    /// The increments of depositing <paramref name="electrons"/> spread over a square pixel of side
    /// <paramref name="pixelNm"/> centred at (x, y) into <paramref name="into"/> (cell → e⁻/Å²).
    /// </summary>
    public static void Spread(double x, double y, double pixelNm, double electrons, Dictionary<(long, long), double> into)
    {
        double half = pixelNm / 2, areaA2 = CellNm * CellNm * 100;
        long x0 = (long)Math.Floor((x - half) / CellNm), x1 = (long)Math.Floor((x + half) / CellNm);
        long y0 = (long)Math.Floor((y - half) / CellNm), y1 = (long)Math.Floor((y + half) / CellNm);
        double pixelArea = pixelNm * pixelNm;
        for (long cy = y0; cy <= y1; cy++)
        {
            double oy = Math.Min(y + half, (cy + 1) * CellNm) - Math.Max(y - half, cy * CellNm);
            for (long cx = x0; cx <= x1; cx++)
            {
                double ox = Math.Min(x + half, (cx + 1) * CellNm) - Math.Max(x - half, cx * CellNm);
                double share = pixelArea > 0 ? ox * oy / pixelArea : 1;
                if (share > 0)
                {
                    into[(cx, cy)] = into.GetValueOrDefault((cx, cy)) + (electrons * share / areaA2);
                }
            }
        }
    }

    /// <summary>The largest dose any cell would reach after adding <paramref name="increments"/> (e⁻/Å²).</summary>
    public double PeakAfter(Dictionary<(long, long), double> increments)
    {
        double peak = Peak;
        lock (_gate)
        {
            foreach (var (cell, add) in increments)
            {
                peak = Math.Max(peak, Cell(cell.Item1, cell.Item2) + add);
            }
        }

        return peak;
    }

    /// <summary>Adds the increments.</summary>
    public void Add(Dictionary<(long, long), double> increments)
    {
        lock (_gate)
        {
            foreach (var (cell, add) in increments)
            {
                var (tile, index) = Locate(cell.Item1, cell.Item2);
                if (!_tiles.TryGetValue(tile, out var t))
                {
                    _tiles[tile] = t = new double[Tile * Tile];
                }

                t[index] += add;
                Peak = Math.Max(Peak, t[index]);
            }
        }
    }

    private double Cell(long cx, long cy)
    {
        var (tile, index) = Locate(cx, cy);
        return _tiles.TryGetValue(tile, out var t) ? t[index] : 0;
    }

    private static ((long, long) Tile, int Index) Locate(long cx, long cy)
        => ((FloorDiv(cx), FloorDiv(cy)), (Mod(cy) * Tile) + Mod(cx));

    private static long FloorDiv(long v) => (long)Math.Floor(v / (double)Tile);

    private static int Mod(long v) => (int)(((v % Tile) + Tile) % Tile);
}
