namespace Condenser.Acquisition.DigitalTwin;

/// <summary>An atomic column of a projected cell: its place in the cell and what it holds per nm of depth.</summary>
/// <param name="F1">Fractional coordinate along the cell's first vector.</param>
/// <param name="F2">Fractional coordinate along the second.</param>
/// <param name="ScatteringPerNm">Σ occupancy · Z^1.7 of its atoms per nm of depth.</param>
/// <param name="Elements">The elements the column holds.</param>
internal readonly record struct Column(double F1, double F2, double ScatteringPerNm, string[] Elements);

/// <summary>
/// A crystal seen down a zone axis: the 2-d lattice of its projection (every projected lattice vector is an integer
/// combination of <see cref="P1"/> and <see cref="P2"/>) and its atomic columns. Each atom of the basis makes one
/// column per projected cell holding one atom per repeat length along the zone axis.
/// </summary>
internal sealed class ProjectedCell
{
    /// <summary>The HAADF cross-section exponent: σ ∝ Z^1.7.</summary>
    public const double ZExponent = 1.7;

    private ProjectedCell((double X, double Y) p1, (double X, double Y) p2, Column[] columns, double repeatNm)
    {
        P1 = p1;
        P2 = p2;
        Columns = columns;
        RepeatNm = repeatNm;
        double det = (p1.X * p2.Y) - (p2.X * p1.Y);
        Inverse = (p2.Y / det, -p2.X / det, -p1.Y / det, p1.X / det);
        // Reciprocal vectors are the rows of the inverse; the lowest spatial frequency of the projected lattice is the
        // shortest non-zero combination of them.
        double lowest = double.MaxValue;
        for (int h = -3; h <= 3; h++)
        {
            for (int k = -3; k <= 3; k++)
            {
                if (h != 0 || k != 0)
                {
                    double gx = (h * Inverse.A) + (k * Inverse.C), gy = (h * Inverse.B) + (k * Inverse.D);
                    lowest = Math.Min(lowest, Math.Sqrt((gx * gx) + (gy * gy)));
                }
            }
        }

        LowestFrequency = lowest;
        MeanScatteringPerNm3 = columns.Sum(c => c.ScatteringPerNm) / AreaNm2;
    }

    /// <summary>The lowest spatial frequency of the projected lattice (1/nm): a probe whose transfer stops below it sees the mean.</summary>
    public double LowestFrequency { get; }

    /// <summary>Σ Z^1.7 per nm³: the columns' mean over the cell.</summary>
    public double MeanScatteringPerNm3 { get; }

    /// <summary>First lattice vector of the projection (nm, lab frame).</summary>
    public (double X, double Y) P1 { get; }

    /// <summary>Second lattice vector (nm).</summary>
    public (double X, double Y) P2 { get; }

    /// <summary>Rows of the inverse of [P1 P2]: fractional = Inverse · r.</summary>
    public (double A, double B, double C, double D) Inverse { get; }

    /// <summary>The columns.</summary>
    public Column[] Columns { get; }

    /// <summary>Repeat length along the zone axis (nm).</summary>
    public double RepeatNm { get; }

    /// <summary>Area of the projected cell (nm²).</summary>
    public double AreaNm2 => Math.Abs((P1.X * P2.Y) - (P2.X * P1.Y));

    /// <summary>The projection of <paramref name="s"/> along <paramref name="o"/>'s zone axis (no tilt), deformed by <paramref name="f"/>.</summary>
    public static ProjectedCell Build(CrystalStructure s, Orientation o, Deformation f)
    {
        var basis = s.DirectBasis;
        var rot = (o with { TiltXRad = 0, TiltYRad = 0 }).Rotation(s);
        var vectors = new List<(double X, double Y, double L)>();
        const int n = 6;
        for (int i = -n; i <= n; i++)
        {
            for (int j = -n; j <= n; j++)
            {
                for (int k = -n; k <= n; k++)
                {
                    var v = rot * (basis * new V3(i, j, k));
                    double l = Math.Sqrt((v.X * v.X) + (v.Y * v.Y));
                    if (l > 1e-6)
                    {
                        vectors.Add((v.X, v.Y, l));
                    }
                }
            }
        }

        vectors.Sort((a, b) => a.L.CompareTo(b.L));
        var p1 = vectors[0];
        var p2 = vectors.First(v => Math.Abs((p1.X * v.Y) - (p1.Y * v.X)) > 1e-6 * p1.L * v.L);
        double repeat = (basis * new V3(o.U, o.V, o.W)).Length;
        double area = Math.Abs((p1.X * p2.Y) - (p2.X * p1.Y));
        if (Math.Abs((area * repeat / s.VolumeNm3) - 1) > 0.01)
        {
            throw new InvalidOperationException($"{s.Name} {o}: the projected cell ({area:G4} nm²) × repeat ({repeat:G4} nm) is not the cell volume; is the zone axis primitive?");
        }

        double det = (p1.X * p2.Y) - (p2.X * p1.Y);
        var columns = new List<(double F1, double F2, double W, HashSet<string> E)>();
        foreach (var site in s.Sites)
        {
            var q = rot * (basis * new V3(site.X, site.Y, site.Z));
            double f1 = ((p2.Y * q.X) - (p2.X * q.Y)) / det, f2 = ((-p1.Y * q.X) + (p1.X * q.Y)) / det;
            f1 -= Math.Floor(f1 + 1e-9);
            f2 -= Math.Floor(f2 + 1e-9);
            double w = site.Occupancy * Math.Pow(Elements.Get(site.Element).Z, ZExponent) / repeat;
            int at = columns.FindIndex(c => Math.Abs(Wrap(c.F1 - f1)) < 1e-4 && Math.Abs(Wrap(c.F2 - f2)) < 1e-4);
            if (at >= 0)
            {
                columns[at] = (columns[at].F1, columns[at].F2, columns[at].W + w, columns[at].E);
                columns[at].E.Add(site.Element);
            }
            else
            {
                columns.Add((f1, f2, w, [site.Element]));
            }
        }

        var d1 = f.Apply(p1.X, p1.Y);
        var d2 = f.Apply(p2.X, p2.Y);
        return new ProjectedCell(d1, d2, columns.Select(c => new Column(c.F1, c.F2, c.W, c.E.Order(StringComparer.Ordinal).ToArray())).ToArray(), repeat);
    }

    private static double Wrap(double d) => d - Math.Round(d);
}
