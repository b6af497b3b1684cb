namespace Condenser.Acquisition.DigitalTwin;

/// <summary>A 3-vector (double precision).</summary>
internal readonly record struct V3(double X, double Y, double Z)
{
    public static V3 operator +(V3 a, V3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    public static V3 operator -(V3 a, V3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    public static V3 operator *(double s, V3 a) => new(s * a.X, s * a.Y, s * a.Z);

    public double Dot(V3 b) => (X * b.X) + (Y * b.Y) + (Z * b.Z);

    public V3 Cross(V3 b) => new((Y * b.Z) - (Z * b.Y), (Z * b.X) - (X * b.Z), (X * b.Y) - (Y * b.X));

    public double Length => Math.Sqrt(Dot(this));

    public V3 Unit => (1 / Length) * this;
}

/// <summary>A 3 × 3 matrix, row-major.</summary>
internal readonly record struct M3(V3 R0, V3 R1, V3 R2)
{
    public static M3 Identity { get; } = new(new(1, 0, 0), new(0, 1, 0), new(0, 0, 1));

    /// <summary>The matrix whose columns are <paramref name="c0"/>, <paramref name="c1"/>, <paramref name="c2"/>.</summary>
    public static M3 FromColumns(V3 c0, V3 c1, V3 c2) => new(new(c0.X, c1.X, c2.X), new(c0.Y, c1.Y, c2.Y), new(c0.Z, c1.Z, c2.Z));

    public static V3 operator *(M3 m, V3 v) => new(m.R0.Dot(v), m.R1.Dot(v), m.R2.Dot(v));

    public static M3 operator *(M3 a, M3 b)
    {
        var t = b.Transpose();
        return new(new(a.R0.Dot(t.R0), a.R0.Dot(t.R1), a.R0.Dot(t.R2)), new(a.R1.Dot(t.R0), a.R1.Dot(t.R1), a.R1.Dot(t.R2)), new(a.R2.Dot(t.R0), a.R2.Dot(t.R1), a.R2.Dot(t.R2)));
    }

    public M3 Transpose() => FromColumns(R0, R1, R2);

    public V3 Column(int i) => i switch { 0 => new(R0.X, R1.X, R2.X), 1 => new(R0.Y, R1.Y, R2.Y), _ => new(R0.Z, R1.Z, R2.Z) };

    public double Determinant => R0.Dot(R1.Cross(R2));

    public M3 Inverse()
    {
        double d = Determinant;
        var c0 = R1.Cross(R2);
        var c1 = R2.Cross(R0);
        var c2 = R0.Cross(R1);
        return FromColumns((1 / d) * c0, (1 / d) * c1, (1 / d) * c2);
    }

    /// <summary>Rotation by <paramref name="angle"/> (rad) about the lab's z axis (the beam).</summary>
    public static M3 RotationZ(double angle)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        return new(new(c, -s, 0), new(s, c, 0), new(0, 0, 1));
    }

    /// <summary>Rotation by <paramref name="angle"/> (rad) about the lab's x axis.</summary>
    public static M3 RotationX(double angle)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        return new(new(1, 0, 0), new(0, c, -s), new(0, s, c));
    }

    /// <summary>Rotation by <paramref name="angle"/> (rad) about the lab's y axis.</summary>
    public static M3 RotationY(double angle)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        return new(new(c, 0, s), new(0, 1, 0), new(-s, 0, c));
    }
}

/// <summary>
/// A 2 × 2 in-plane deformation gradient F = I + ∇u (x across, y down the image): strain ε = (F + Fᵀ)/2 − I and
/// rotation ω = (F_yx − F_xy)/2 (rad), the convention of the strain analysis.
/// </summary>
internal readonly record struct Deformation(double Xx, double Xy, double Yx, double Yy)
{
    public static Deformation Identity { get; } = new(1, 0, 0, 1);

    public double Exx => Xx - 1;

    public double Eyy => Yy - 1;

    public double Exy => (Xy + Yx) / 2;

    public double Rotation => (Yx - Xy) / 2;

    public static Deformation operator +(Deformation a, Deformation b) => new(a.Xx + b.Xx - 1, a.Xy + b.Xy, a.Yx + b.Yx, a.Yy + b.Yy - 1);

    /// <summary>A reciprocal vector (gx, gy) carried by the deformation: g' = F⁻ᵀ g.</summary>
    public (double Gx, double Gy) Reciprocal(double gx, double gy)
    {
        double det = (Xx * Yy) - (Xy * Yx);
        return (((Yy * gx) - (Yx * gy)) / det, ((-Xy * gx) + (Xx * gy)) / det);
    }

    /// <summary>A real-space vector carried by the deformation: r' = F r.</summary>
    public (double X, double Y) Apply(double x, double y) => ((Xx * x) + (Xy * y), (Yx * x) + (Yy * y));
}

/// <summary>Composition of deformations.</summary>
internal static class DeformationAlgebra
{
    /// <summary>a · b (b applied first).</summary>
    public static Deformation Then(this Deformation b, Deformation a) => new(
        (a.Xx * b.Xx) + (a.Xy * b.Yx),
        (a.Xx * b.Xy) + (a.Xy * b.Yy),
        (a.Yx * b.Xx) + (a.Yy * b.Yx),
        (a.Yx * b.Xy) + (a.Yy * b.Yy));
}
