using Condenser.Processing.FourDStem;

namespace Condenser.Processing.Imaging;

/// <summary>An atom column's place in the fitted lattice and its displacement from the ideal site.</summary>
/// <param name="H">First lattice index.</param>
/// <param name="K">Second lattice index.</param>
/// <param name="DisplacementY">Measured minus ideal row.</param>
/// <param name="DisplacementX">Measured minus ideal column.</param>
/// <remarks>Units: pixels.</remarks>
public readonly record struct SiteDisplacement(int H, int K, double DisplacementY, double DisplacementX);

/// <summary>
/// Lattice distortion from atom-column positions: a 2-d lattice (origin at the column nearest the image centre,
/// basis from its nearest neighbours) is fitted to all columns by least squares, and each column's displacement from
/// its ideal site is reported (columns that do not index are NaN).
/// </summary>
public static class LatticeDistortion
{
    /// <summary>The fitted lattice and one displacement per column (same order), or null when no lattice fits.</summary>
    public static (Lattice Lattice, SiteDisplacement[] Sites)? Measure(IReadOnlyList<AtomColumn> columns, int height, int width)
    {
        if (columns.Count < 3)
        {
            return null;
        }

        var origin = columns.OrderBy(c => Math.Pow(c.Y - (height / 2.0), 2) + Math.Pow(c.X - (width / 2.0), 2)).First();
        var peaks = columns.Select(c => new BraggPeak(c.Y, c.X, Math.Max(1e-9, Math.Abs(c.Amplitude)))).ToList();
        var nearest = peaks.OrderBy(p => Math.Pow(p.Y - origin.Y, 2) + Math.Pow(p.X - origin.X, 2)).Take(13).ToList();
        var guess = Lattice.Guess(nearest, origin.Y, origin.X, minLength: 1, candidates: 13);
        var lattice = guess?.Refine(peaks, 0.3);
        if (lattice is null)
        {
            return null;
        }

        double det = (lattice.G1Y * lattice.G2X) - (lattice.G1X * lattice.G2Y);
        var sites = columns.Select(c =>
        {
            double dy = c.Y - lattice.OriginY, dx = c.X - lattice.OriginX;
            double h = ((dy * lattice.G2X) - (dx * lattice.G2Y)) / det, k = ((lattice.G1Y * dx) - (lattice.G1X * dy)) / det;
            int rh = (int)Math.Round(h), rk = (int)Math.Round(k);
            if (Math.Abs(h - rh) > 0.3 || Math.Abs(k - rk) > 0.3)
            {
                return new SiteDisplacement(rh, rk, double.NaN, double.NaN);
            }

            return new SiteDisplacement(rh, rk,
                c.Y - (lattice.OriginY + (rh * lattice.G1Y) + (rk * lattice.G2Y)),
                c.X - (lattice.OriginX + (rh * lattice.G1X) + (rk * lattice.G2X)));
        }).ToArray();
        return (lattice, sites);
    }
}
