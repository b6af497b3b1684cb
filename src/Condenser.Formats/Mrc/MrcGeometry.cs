using Condenser.Data;
using static Condenser.Formats.BinaryFields;

namespace Condenser.Formats.Mrc;

/// <summary>
/// The calibration an MRC 2014 header gives each array axis (columns, rows, sections): which cell axis it is
/// (<c>mapc</c>, <c>mapr</c>, <c>maps</c>), its voxel size (cell length <c>cella</c> in Å over the sampling
/// <c>mx</c>, <c>my</c>, <c>mz</c>, not over the array size: a subvolume keeps the map's voxel) and its offset.
/// </summary>
/// <param name="Names">Axis name of columns, rows, sections ("x", "y" or "z", from the cell axis each one is).</param>
/// <param name="StepNm">Voxel size of columns, rows, sections in nm (0 where the header gives none).</param>
/// <param name="OffsetNm">Coordinate of the first column, row, section in nm.</param>
internal sealed record MrcGeometry(string[] Names, double[] StepNm, double[] OffsetNm)
{
    /// <summary>Reads the geometry of a 1024-byte header; <paramref name="counts"/> are nx, ny, nz.</summary>
    /// <remarks>
    /// Offsets: the <c>origin</c> field (Å, per cell axis) where it is non-zero, as EM software writes subvolumes;
    /// otherwise <c>nxstart</c>, <c>nystart</c>, <c>nzstart</c> (in voxels, per array axis) times the voxel size, the
    /// crystallographic convention. A sampling of 0 falls back to the array size; a <c>mapc</c>/<c>mapr</c>/<c>maps</c>
    /// that is not a permutation of 1, 2, 3 (old files write zeros) is taken as 1, 2, 3.
    /// </remarks>
    public static MrcGeometry Read(ReadOnlySpan<byte> h, bool big, int[] counts)
    {
        int[] map = [I32(h, 64, big), I32(h, 68, big), I32(h, 72, big)];
        if (!IsPermutation(map))
        {
            map = [1, 2, 3];
        }

        int[] start = [I32(h, 16, big), I32(h, 20, big), I32(h, 24, big)];
        int[] sampling = [I32(h, 28, big), I32(h, 32, big), I32(h, 36, big)];
        double[] cell = [F32(h, 40, big), F32(h, 44, big), F32(h, 48, big)];
        double[] origin = [F32(h, 196, big), F32(h, 200, big), F32(h, 204, big)];
        bool originGiven = origin.Any(o => o != 0 && double.IsFinite(o));

        var names = new string[3];
        var step = new double[3];
        var offset = new double[3];
        for (int k = 0; k < 3; k++)
        {
            int a = map[k] - 1;
            names[k] = "xyz"[a].ToString();
            int samples = sampling[a] > 0 ? sampling[a] : counts[k];
            double angstrom = cell[a] / samples;
            step[k] = double.IsFinite(angstrom) ? angstrom / 10.0 : 0;
            double first = originGiven ? origin[a] : start[k] * angstrom;
            offset[k] = step[k] != 0 && double.IsFinite(first) ? first / 10.0 : 0;
        }

        return new MrcGeometry(names, step, offset);
    }

    /// <summary>The axis of array dimension <paramref name="k"/> (0 columns, 1 rows, 2 sections), in nm where calibrated.</summary>
    public Axis Axis(int k, int size, bool navigate)
        => StepNm[k] != 0 ? new Axis(Names[k], size, StepNm[k], OffsetNm[k], "nm", navigate) : Data.Axis.Plain(Names[k], size, navigate);

    private static bool IsPermutation(int[] map)
        => map.All(m => m is >= 1 and <= 3) && map.Distinct().Count() == 3;
}
