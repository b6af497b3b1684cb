using MathNet.Numerics.LinearAlgebra;

namespace Condenser.Processing.FourDStem;

/// <summary>
/// A reciprocal lattice on the detector: disk (h, k) sits at origin + h·g1 + k·g2.
/// </summary>
/// <remarks>Units: detector pixels.</remarks>
public sealed record Lattice(double OriginY, double OriginX, double G1Y, double G1X, double G2Y, double G2X)
{
    /// <summary>
    /// A first guess from one pattern's disks: g1 the shortest disk vector from the origin, g2 the shortest one at more
    /// than 20° from g1's line; searched among the strongest <paramref name="candidates"/> disks.
    /// </summary>
    public static Lattice? Guess(IReadOnlyList<BraggPeak> peaks, double originY, double originX, double minLength = 3, int candidates = 24)
    {
        var vectors = peaks.Take(candidates)
            .Select(p => (Y: p.Y - originY, X: p.X - originX))
            .Where(v => Math.Sqrt((v.Y * v.Y) + (v.X * v.X)) >= minLength)
            .OrderBy(v => (v.Y * v.Y) + (v.X * v.X))
            .ToList();
        if (vectors.Count < 2)
        {
            return null;
        }

        var g1 = vectors[0];
        double l1 = Math.Sqrt((g1.Y * g1.Y) + (g1.X * g1.X));
        foreach (var g2 in vectors.Skip(1))
        {
            double l2 = Math.Sqrt((g2.Y * g2.Y) + (g2.X * g2.X));
            if (Math.Abs((g1.X * g2.Y) - (g1.Y * g2.X)) > Math.Sin(20 * Math.PI / 180) * l1 * l2)
            {
                // Right-handed order (g1 × g2 > 0 with x right, y down) so strain signs do not depend on the guess.
                return (g1.X * g2.Y) - (g1.Y * g2.X) > 0
                    ? new Lattice(originY, originX, g1.Y, g1.X, g2.Y, g2.X)
                    : new Lattice(originY, originX, g2.Y, g2.X, g1.Y, g1.X);
            }
        }

        return null;
    }

    /// <summary>
    /// Indexes the disks against this lattice (a disk counts when its fractional indices are within
    /// <paramref name="tolerance"/> of whole numbers) and fits origin, g1 and g2 by weighted least squares. Null when
    /// fewer than three non-collinear disks index. Indexing and fitting repeat <paramref name="passes"/> times, so a
    /// rough guess that indexes only the nearby disks grows to all of them.
    /// </summary>
    public Lattice? Refine(IReadOnlyList<BraggPeak> peaks, double tolerance = 0.25, int passes = 4)
    {
        var lattice = this;
        for (int pass = 0; pass < passes; pass++)
        {
            var next = lattice.RefineOnce(peaks, tolerance);
            if (next is null)
            {
                return pass == 0 ? null : lattice;
            }

            lattice = next;
        }

        return lattice;
    }

    private Lattice? RefineOnce(IReadOnlyList<BraggPeak> peaks, double tolerance)
    {
        double det = (G1Y * G2X) - (G1X * G2Y);
        if (Math.Abs(det) < 1e-12)
        {
            return null;
        }

        var rows = new List<(double H, double K, double Y, double X, double W)>();
        foreach (var p in peaks)
        {
            double dy = p.Y - OriginY, dx = p.X - OriginX;

            // Solve [g1 g2]·(h, k) = (dy, dx).
            double h = ((dy * G2X) - (dx * G2Y)) / det;
            double k = ((G1Y * dx) - (G1X * dy)) / det;
            double rh = Math.Round(h), rk = Math.Round(k);
            if (Math.Abs(h - rh) <= tolerance && Math.Abs(k - rk) <= tolerance)
            {
                rows.Add((rh, rk, p.Y, p.X, Math.Sqrt(Math.Max(p.Intensity, 1e-12))));
            }
        }

        var distinct = rows.Select(r => (r.H, r.K)).Distinct().ToList();
        if (distinct.Count < 3)
        {
            return null;
        }

        var a = Matrix<double>.Build.Dense(rows.Count, 3);
        var by = Vector<double>.Build.Dense(rows.Count);
        var bx = Vector<double>.Build.Dense(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            a[i, 0] = r.W;
            a[i, 1] = r.W * r.H;
            a[i, 2] = r.W * r.K;
            by[i] = r.W * r.Y;
            bx[i] = r.W * r.X;
        }

        var svd = a.Svd(true);
        if (svd.Rank < 3)
        {
            return null;
        }

        var sy = svd.Solve(by);
        var sx = svd.Solve(bx);
        return new Lattice(sy[0], sx[0], sy[1], sx[1], sy[2], sx[2]);
    }

    /// <summary>
    /// Strain and rotation of the real-space lattice relative to <paramref name="reference"/>: with reciprocal bases
    /// G (columns g1, g2 in x, y), the real-space deformation is D = (Gᵀ)⁻¹·G_refᵀ; ε = (D + Dᵀ)/2 − I and the rotation
    /// is atan2(D_yx − D_xy, D_xx + D_yy).
    /// </summary>
    /// <remarks>Units: strain dimensionless (0.01 = 1 %), rotation in radians (counter-clockwise with y up).</remarks>
    public Strain StrainRelativeTo(Lattice reference)
    {
        var g = Matrix<double>.Build.DenseOfArray(new[,] { { G1X, G2X }, { G1Y, G2Y } });
        var gr = Matrix<double>.Build.DenseOfArray(new[,] { { reference.G1X, reference.G2X }, { reference.G1Y, reference.G2Y } });
        var d = g.Transpose().Inverse() * gr.Transpose();
        return new Strain(d[0, 0] - 1, d[1, 1] - 1, (d[0, 1] + d[1, 0]) / 2, Math.Atan2(d[1, 0] - d[0, 1], d[0, 0] + d[1, 1]));
    }

    /// <summary>The component-wise median of several lattices: a reference that a minority of other crystals or failed fits does not move; null when none is given.</summary>
    public static Lattice? Median(IEnumerable<Lattice?> lattices)
    {
        var list = lattices.OfType<Lattice>().ToList();
        if (list.Count == 0)
        {
            return null;
        }

        double M(Func<Lattice, double> f) => MathNet.Numerics.Statistics.Statistics.Median(list.Select(f));

        return new Lattice(M(l => l.OriginY), M(l => l.OriginX), M(l => l.G1Y), M(l => l.G1X), M(l => l.G2Y), M(l => l.G2X));
    }

    /// <summary>The mean of several lattices (the reference of a region).</summary>
    public static Lattice? Mean(IEnumerable<Lattice?> lattices)
    {
        var list = lattices.OfType<Lattice>().ToList();
        return list.Count == 0 ? null : new Lattice(
            list.Average(l => l.OriginY), list.Average(l => l.OriginX),
            list.Average(l => l.G1Y), list.Average(l => l.G1X), list.Average(l => l.G2Y), list.Average(l => l.G2X));
    }
}

/// <summary>Infinitesimal strain and rotation in detector x (columns) and y (rows).</summary>
public readonly record struct Strain(double Exx, double Eyy, double Exy, double Rotation);
