namespace Condenser.Formats.Tests;

/// <summary>
/// Where Condenser deliberately differs from the reference reader, with the reason. The references are kept as they
/// are; each entry says what is checked instead.
/// </summary>
public static class KnownDifferences
{
    /// <summary>Files whose array shape differs from the reference; the value says why and how the values are still checked.</summary>
    public static readonly Dictionary<string, string> Shape = new()
    {
        ["digitalmicrograph/2D/test_fft_packed_complex8.dm4"] =
            "DM declares a 5×5 packed complex FFT; the reference unpacks odd widths to 5×4 (one conjugate column short). "
            + "Condenser keeps the declared 5×5; its first 4 columns must hash to the reference.",
    };

    /// <summary>Files whose calibration differs from the reference by a reference error; the scales are checked as stated.</summary>
    public static readonly Dictionary<string, string> Scale = new()
    {
        ["tiff/FEI-Helios-navcam.tif"] =
            "The reference takes the width pixel from VFW/ResolutionY and the height pixel from HFW/ResolutionX (swapped). "
            + "Condenser uses HFW/ResolutionX across and VFW/ResolutionY down; the test checks that the two readers' values are each other's swap.",
    };

    /// <summary>
    /// Files whose integer images the reference reader widens to float64 (RosettaSciIO reads Velox images into a float64
    /// buffer). Condenser keeps the stored integer type; the test converts its values to float64 and checks the hash.
    /// </summary>
    public static readonly HashSet<string> WidenedToFloat64 =
    [
        "emd/FFTComplexEven.emd",
        "emd/FFTComplexOdd.emd",
        "emd/fei_example_tem_stack.emd",
        "emd/fei_example_dpc_titles.emd",
    ];

    /// <summary>Files where Condenser returns a subset of the reference's datasets; each must equal one of them.</summary>
    public static readonly Dictionary<string, string> Subset = new()
    {
        ["nexus/nexus_dls_example_no_axes.nxs"] =
            "Condenser reads the NXdata groups (2); the reference also returns 8 loose instrument arrays that no NXdata names.",
    };
}
