namespace Condenser.Acquisition.DigitalTwin;

/// <summary>
/// The dose the sample has received on a grid of <see cref="CellNm"/> cells over the scene's field (e⁻/Å²); beyond
/// the field is vacuum, where dose does no harm. Drives beam damage and the dose-per-area budget.
/// </summary>
internal sealed class DoseMap(double halfFieldNm)
{
    public const double CellNm = 1.0;
    private readonly int _n = (int)Math.Ceiling(2 * halfFieldNm / CellNm);
    private readonly Lock _gate = new();
    private float[]? _cells;

    /// <summary>The largest accumulated dose anywhere (e⁻/Å²).</summary>
    public double Peak { get; private set; }

    /// <summary>Dose accumulated at (x, y) (e⁻/Å²).</summary>
    public double At(double x, double y)
    {
        var cells = _cells;
        if (cells is null)
        {
            return 0;
        }

        int i = Index(x), j = Index(y);
        return i < 0 || j < 0 ? 0 : cells[((long)j * _n) + i];
    }

    /// <summary>A dose to be added: a box of cells with their increments (e⁻/Å²).</summary>
    public sealed class Increments(int x0, int y0, int width, int height)
    {
        public int X0 { get; } = x0;

        public int Y0 { get; } = y0;

        public int Width { get; } = width;

        public int Height { get; } = height;

        public double[] Values { get; } = new double[(long)width * height];
    }

    /// <summary>An empty increment over the cells that points within <paramref name="marginNm"/> of the box (x0..x1, y0..y1) touch.</summary>
    public Increments Box(double x0, double y0, double x1, double y1, double marginNm)
    {
        int i0 = Clamp(x0 - marginNm), i1 = Clamp(x1 + marginNm), j0 = Clamp(y0 - marginNm), j1 = Clamp(y1 + marginNm);
        return new Increments(i0, j0, Math.Max(0, i1 - i0 + 1), Math.Max(0, j1 - j0 + 1));
    }

    /// <summary>Adds <paramref name="electrons"/> spread over a square pixel of side <paramref name="pixelNm"/> centred at (x, y).</summary>
    public void Spread(double x, double y, double pixelNm, double electrons, Increments into)
    {
        double half = pixelNm / 2, perCellA2 = 1 / (CellNm * CellNm * 100), pixelArea = pixelNm * pixelNm;
        double fx0 = (x - half + halfFieldNm) / CellNm, fx1 = (x + half + halfFieldNm) / CellNm;
        double fy0 = (y - half + halfFieldNm) / CellNm, fy1 = (y + half + halfFieldNm) / CellNm;
        int i0 = Math.Max((int)Math.Floor(fx0), into.X0), i1 = Math.Min((int)Math.Floor(fx1), into.X0 + into.Width - 1);
        int j0 = Math.Max((int)Math.Floor(fy0), into.Y0), j1 = Math.Min((int)Math.Floor(fy1), into.Y0 + into.Height - 1);
        for (int j = j0; j <= j1; j++)
        {
            double oy = (Math.Min(fy1, j + 1) - Math.Max(fy0, j)) * CellNm;
            for (int i = i0; i <= i1; i++)
            {
                double ox = (Math.Min(fx1, i + 1) - Math.Max(fx0, i)) * CellNm;
                double share = pixelArea > 0 ? ox * oy / pixelArea : 1;
                into.Values[((long)(j - into.Y0) * into.Width) + (i - into.X0)] += electrons * share * perCellA2;
            }
        }
    }

    /// <summary>The largest dose any cell would reach after adding <paramref name="add"/> (e⁻/Å²).</summary>
    public double PeakAfter(Increments add)
    {
        double peak = Peak;
        var cells = _cells;
        for (int j = 0; j < add.Height; j++)
        {
            for (int i = 0; i < add.Width; i++)
            {
                double v = add.Values[((long)j * add.Width) + i];
                if (v > 0)
                {
                    peak = Math.Max(peak, v + (cells?[((long)(j + add.Y0) * _n) + i + add.X0] ?? 0));
                }
            }
        }

        return peak;
    }

    /// <summary>Adds the increments.</summary>
    public void Add(Increments add)
    {
        lock (_gate)
        {
            _cells ??= new float[(long)_n * _n];
            for (int j = 0; j < add.Height; j++)
            {
                for (int i = 0; i < add.Width; i++)
                {
                    double v = add.Values[((long)j * add.Width) + i];
                    if (v > 0)
                    {
                        long k = ((long)(j + add.Y0) * _n) + i + add.X0;
                        _cells[k] += (float)v;
                        Peak = Math.Max(Peak, _cells[k]);
                    }
                }
            }
        }
    }

    private int Index(double v)
    {
        double f = (v + halfFieldNm) / CellNm;
        return f < 0 || f >= _n ? -1 : (int)f;
    }

    private int Clamp(double v) => Math.Clamp((int)Math.Floor((v + halfFieldNm) / CellNm), 0, _n - 1);
}
