namespace Condenser.Acquisition.DigitalTwin;

/// <summary>A displacement field in the sample plane: u(x, y) and its gradient (nm, dimensionless).</summary>
internal interface IDisplacementField
{
    /// <summary>Adds u and ∇u at (<paramref name="x"/>, <paramref name="y"/>) (nm).</summary>
    void Add(double x, double y, ref double ux, ref double uy, ref Deformation gradient);
}

/// <summary>
/// A straight edge dislocation along the beam with Burgers vector (bx, by) in the image plane, isotropic elasticity
/// (Hirth &amp; Lothe): u′x = b/2π [θ + x′y′ / (2(1−ν) r²)], u′y = −b/2π [(1−2ν)/(4(1−ν)) ln r² + (x′² − y′²)/(4(1−ν) r²)].
/// </summary>
internal sealed record EdgeDislocation(double X0, double Y0, double Bx, double By, double Poisson = 0.33, double CoreNm = 0.3) : IDisplacementField
{
    public void Add(double x, double y, ref double ux, ref double uy, ref Deformation gradient)
    {
        double b = Math.Sqrt((Bx * Bx) + (By * By)), c = Bx / b, s = By / b;
        double dx = x - X0, dy = y - Y0;
        double xl = (c * dx) + (s * dy), yl = (-s * dx) + (c * dy);
        double r2 = Math.Max((xl * xl) + (yl * yl), CoreNm * CoreNm), r4 = r2 * r2;
        double d = b / (2 * Math.PI), k = 1 / (2 * (1 - Poisson)), m = (1 - (2 * Poisson)) / (4 * (1 - Poisson));
        double uxl = d * (Math.Atan2(yl, xl) + (k * xl * yl / r2));
        double uyl = -d * ((m * Math.Log(r2)) + (k / 2 * ((xl * xl) - (yl * yl)) / r2));
        double gxx = d * ((-yl / r2) + (k * yl * ((yl * yl) - (xl * xl)) / r4));
        double gxy = d * ((xl / r2) + (k * xl * ((xl * xl) - (yl * yl)) / r4));
        double gyx = -d * ((2 * m * xl / r2) + (2 * k * xl * yl * yl / r4));
        double gyy = -d * ((2 * m * yl / r2) - (2 * k * xl * xl * yl / r4));
        ux += (c * uxl) - (s * uyl);
        uy += (s * uxl) + (c * uyl);
        // ∇u_lab = Q ∇u′ Qᵀ with Q the rotation by the Burgers vector's angle.
        double axx = (c * gxx) - (s * gyx), axy = (c * gxy) - (s * gyy), ayx = (s * gxx) + (c * gyx), ayy = (s * gxy) + (c * gyy);
        gradient = new Deformation(
            gradient.Xx + (axx * c) - (axy * s),
            gradient.Xy + (axx * s) + (axy * c),
            gradient.Yx + (ayx * c) - (ayy * s),
            gradient.Yy + (ayx * s) + (ayy * c));
    }
}

/// <summary>
/// A centre of dilatation in the plane (area change <paramref name="AreaNm2"/>, negative for a misfitting inclusion
/// smaller than its hole): u = A r̂ / (2π r), a traceless, irrotational strain outside its core.
/// </summary>
internal sealed record DilatationCentre(double X0, double Y0, double AreaNm2, double CoreNm = 1.0) : IDisplacementField
{
    public void Add(double x, double y, ref double ux, ref double uy, ref Deformation gradient)
    {
        double dx = x - X0, dy = y - Y0, r2 = Math.Max((dx * dx) + (dy * dy), CoreNm * CoreNm), r4 = r2 * r2, a = AreaNm2 / (2 * Math.PI);
        ux += a * dx / r2;
        uy += a * dy / r2;
        double gxy = -2 * a * dx * dy / r4;
        gradient = new Deformation(gradient.Xx + (a * (r2 - (2 * dx * dx)) / r4), gradient.Xy + gxy, gradient.Yx + gxy, gradient.Yy + (a * (r2 - (2 * dy * dy)) / r4));
    }
}

/// <summary>Items in square buckets, for looking up what lies near a point.</summary>
internal sealed class SpatialGrid<T>(double cellNm, double halfFieldNm)
{
    private readonly int _n = Math.Max(1, (int)Math.Ceiling(2 * halfFieldNm / cellNm));
    private readonly Dictionary<int, List<T>> _cells = [];
    private static readonly List<T> None = [];

    /// <summary>Files <paramref name="item"/> in every bucket its box touches.</summary>
    public void Add(T item, double x0, double y0, double x1, double y1)
    {
        for (int j = Index(y0); j <= Index(y1); j++)
        {
            for (int i = Index(x0); i <= Index(x1); i++)
            {
                int key = (j * _n) + i;
                if (!_cells.TryGetValue(key, out var list))
                {
                    _cells[key] = list = [];
                }

                if (!list.Contains(item!))
                {
                    list.Add(item);
                }
            }
        }
    }

    /// <summary>The items filed in the bucket of (x, y).</summary>
    public List<T> At(double x, double y) => _cells.TryGetValue((Index(y) * _n) + Index(x), out var l) ? l : None;

    private int Index(double v) => Math.Clamp((int)Math.Floor((v + halfFieldNm) / cellNm), 0, _n - 1);
}
