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

    /// <summary>Fixtures Debian's HyperSpy 1.7 cannot open, with its reason: their metadata has nothing to compare with.</summary>
    public static readonly Dictionary<string, string> HyperSpyCannotRead = new()
    {
        ["quantumdetector/001_4x2_6bit.mib"] = Mib,
        ["quantumdetector/002_4x2_6bit_roi128.mib"] = Mib,
        ["quantumdetector/002_merlin_test_roi_sig256x128_nav4x2_hot_pixel_52x_39y.mib"] = Mib,
        ["quantumdetector/003_merlin_test_roi_sig256x64_nav4x2_hot_pixel_52x_39y.mib"] = Mib,
        ["quantumdetector/Quad_1_Frame_CounterDepth_24_Rows_256.mib"] = Mib,
        ["quantumdetector/Quad_9_Frame_CounterDepth_12_Rows_256.mib"] = Mib,
        ["quantumdetector/Quad_9_Frame_CounterDepth_6_Rows_256.mib"] = Mib,
        ["quantumdetector/Single_1_Frame_CounterDepth_12_Rows_256.mib"] = Mib,
        ["quantumdetector/Single_1_Frame_CounterDepth_1_Rows_256.mib"] = Mib,
        ["quantumdetector/Single_9_Frame_CounterDepth_24_Rows_256.mib"] = Mib,
        ["emd/py4DSTEM_size2x3x4x5.h5"] = "HyperSpy 1.7 has no loader for py4DSTEM's EMD 1.0 files (\"cannot find loader for this HDF5 file\").",
        ["mrc/Custom_movie.mrc"] = "HyperSpy 1.7's MRC reader fails on this Direct Electron movie (IndexError); RosettaSciIO reads it (the reference).",
        ["mrc/HAADFscan.mrc"] = "HyperSpy 1.7's MRC reader fails on the FEI2 extended header (TypeError); RosettaSciIO reads it (the reference).",
        ["tiff/test_hamamatsu_streak_OTHER.tif"] = "HyperSpy 1.7's Hamamatsu reader fails on an axis of type 'other' (TypeError in _build_axes_dictionaries).",
    };

    private const string Mib = "Debian's HyperSpy 1.7 has no Merlin (MIB) reader (RosettaSciIO added one after HyperSpy 1.7).";

    /// <summary>
    /// "file|field" where Condenser's normalised metadata deliberately differs from what HyperSpy 1.7 puts in
    /// <c>metadata</c> (fields: beam_energy_kev, magnification, camera_length_mm, convergence_angle_mrad, exposure,
    /// acquired, title, signal_type), with the reason.
    /// </summary>
    public static readonly Dictionary<string, string> Metadata = new()
    {
        ["digitalmicrograph/1D/test-MonoCL_spectrum-ccd.dm4|camera_length_mm"] = CameraLengthZero,
        ["digitalmicrograph/2D/test-MonoCL_spectrum-SI.dm4|camera_length_mm"] = CameraLengthZero,
    };

    private const string CameraLengthZero = "DM records a STEM camera length of 0 on this SEM cathodoluminescence file; HyperSpy passes 0 on, Condenser reads no camera length (0 mm is no calibration).";
}
