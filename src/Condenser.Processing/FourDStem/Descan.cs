namespace Condenser.Processing.FourDStem;

/// <summary>
/// The descan shift of the diffraction pattern across the scan, fitted as a plane to the centre-of-mass shifts:
/// shift_y = Y0 + Yy·row + Yx·column, shift_x = X0 + Xy·row + Xx·column.
/// </summary>
/// <remarks>Units: detector pixels (per scan step for the slopes).</remarks>
public sealed record Descan(double Y0, double Yy, double Yx, double X0, double Xy, double Xx)
{
    /// <summary>Least-squares plane fits to the finite shifts of an <paramref name="ny"/> × <paramref name="nx"/> scan.</summary>
    public static Descan Fit(ReadOnlySpan<double> shiftY, ReadOnlySpan<double> shiftX, int ny, int nx)
    {
        if (shiftY.Length != ny * nx || shiftX.Length != ny * nx)
        {
            throw new ArgumentException($"shift maps of {shiftY.Length} and {shiftX.Length} values for a {ny}×{nx} scan");
        }

        var (y0, yy, yx) = Plane(shiftY, ny, nx);
        var (x0, xy, xx) = Plane(shiftX, ny, nx);
        return new Descan(y0, yy, yx, x0, xy, xx);
    }

    /// <summary>The fitted shift at scan position (row, column).</summary>
    public (double Y, double X) At(int row, int column)
        => (Y0 + (Yy * row) + (Yx * column), X0 + (Xy * row) + (Xx * column));

    /// <summary>The fitted shift at flat scan position <paramref name="position"/> of a scan <paramref name="nx"/> wide, rounded to whole pixels.</summary>
    public (int Y, int X) WholePixels(long position, int nx)
    {
        var (y, x) = At((int)(position / nx), (int)(position % nx));
        return ((int)Math.Round(y), (int)Math.Round(x));
    }

    private static (double C, double Row, double Col) Plane(ReadOnlySpan<double> v, int ny, int nx)
    {
        // Normal equations of v ≈ c + a·row + b·col over the finite values.
        double n = 0, sr = 0, sc = 0, srr = 0, scc = 0, src = 0, sv = 0, srv = 0, scv = 0;
        for (int r = 0; r < ny; r++)
        {
            for (int c = 0; c < nx; c++)
            {
                double val = v[(r * nx) + c];
                if (!double.IsFinite(val))
                {
                    continue;
                }

                n++;
                sr += r;
                sc += c;
                srr += r * (double)r;
                scc += c * (double)c;
                src += r * (double)c;
                sv += val;
                srv += r * val;
                scv += c * val;
            }
        }

        if (n == 0)
        {
            return (0, 0, 0);
        }

        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(new[,] { { n, sr, sc }, { sr, srr, src }, { sc, src, scc } });
        var rhs = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense([sv, srv, scv]);

        // Rank-deficient scans (one row or one column) keep a constant or a line: least squares by SVD.
        var x = m.Svd(true).Solve(rhs);
        return (x[0], x[1], x[2]);
    }
}
