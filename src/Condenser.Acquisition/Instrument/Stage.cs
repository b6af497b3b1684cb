namespace Condenser.Acquisition.Instrument;

/// <summary>The stage position as the stage reports it (its encoders: backlash is not in these numbers).</summary>
/// <param name="XUm">x (µm).</param>
/// <param name="YUm">y (µm).</param>
/// <param name="ZUm">Height (µm).</param>
/// <param name="AlphaDeg">Tilt about x (degrees).</param>
/// <param name="BetaDeg">Tilt about y (degrees).</param>
public sealed record StagePosition(double XUm, double YUm, double ZUm, double AlphaDeg, double BetaDeg)
{
    /// <summary>The stage at its origin, untilted.</summary>
    public static StagePosition Origin { get; } = new(0, 0, 0, 0, 0);
}

/// <summary>A stage move; null axes stay where they are.</summary>
public sealed record StageChange
{
    /// <summary>x (µm).</summary>
    public double? XUm { get; init; }

    /// <summary>y (µm).</summary>
    public double? YUm { get; init; }

    /// <summary>Height (µm).</summary>
    public double? ZUm { get; init; }

    /// <summary>Tilt about x (degrees).</summary>
    public double? AlphaDeg { get; init; }

    /// <summary>Tilt about y (degrees).</summary>
    public double? BetaDeg { get; init; }

    /// <summary>The target of this move from <paramref name="p"/>.</summary>
    public StagePosition ApplyTo(StagePosition p) => new(XUm ?? p.XUm, YUm ?? p.YUm, ZUm ?? p.ZUm, AlphaDeg ?? p.AlphaDeg, BetaDeg ?? p.BetaDeg);
}
