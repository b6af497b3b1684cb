namespace Condenser.Processing.FourDStem;

/// <summary>
/// How one diffraction pattern's lattice is measured, calibrated on a mean pattern: the bright-field disk of the mean
/// as the template of a Bragg disk (<see cref="BraggDisks"/>), and the mean's lattice as the start of every pattern's
/// refinement. The strain analysis of a full scan and the autopilot's strain target at sparse probes share it.
/// </summary>
public sealed class LatticeFit
{
    /// <summary>Calibrates on <paramref name="mean"/> (<paramref name="height"/> × <paramref name="width"/> detector pixels).</summary>
    /// <exception cref="ArgumentException">The mean pattern holds no lattice (fewer than two non-collinear disks).</exception>
    public LatticeFit(double[] mean, int height, int width, BraggOptions options)
    {
        Disk = BrightFieldDisk.Detect(mean, width);
        var probe = new double[mean.Length];
        for (int i = 0; i < mean.Length; i++)
        {
            double dy = (i / width) - Disk.CenterY, dx = (i % width) - Disk.CenterX;
            probe[i] = Math.Sqrt((dy * dy) + (dx * dx)) <= Disk.Radius + 1 ? mean[i] : 0;
        }

        Options = options;
        Finder = new BraggDisks(probe, height, width, options);
        var meanDisks = Finder.Find(mean);
        var guess = Lattice.Guess(meanDisks, Disk.CenterY, Disk.CenterX, minLength: Math.Max(2, Disk.Radius))
            ?? throw new ArgumentException("no lattice found in the mean pattern (fewer than two non-collinear disks)");
        Base = guess.Refine(meanDisks) ?? guess;
    }

    /// <summary>The bright-field disk of the mean pattern (detector pixels).</summary>
    public BrightFieldDisk Disk { get; }

    /// <summary>The disk finder.</summary>
    public BraggDisks Finder { get; }

    /// <summary>The finder's options.</summary>
    public BraggOptions Options { get; }

    /// <summary>The mean pattern's lattice, where each pattern's refinement starts.</summary>
    public Lattice Base { get; }

    /// <summary>The lattice of one pattern refined from <see cref="Base"/> on the disks found in it; null when fewer than three disks index.</summary>
    public Lattice? Fit(IReadOnlyList<BraggPeak> disks) => Base.Refine(disks);
}
