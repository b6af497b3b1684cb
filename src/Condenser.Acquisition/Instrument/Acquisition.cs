using Condenser.Data;

namespace Condenser.Acquisition.Instrument;

/// <summary>The detectors an acquisition can record with.</summary>
public enum DetectorKind
{
    /// <summary>High-angle annular dark field (scan detector).</summary>
    Haadf,

    /// <summary>Annular dark field (scan detector).</summary>
    Adf,

    /// <summary>Bright field (scan detector).</summary>
    Bf,

    /// <summary>The pixelated camera: one diffraction pattern per position (4D-STEM).</summary>
    FourDStem,

    /// <summary>The EELS spectrometer: one energy-loss spectrum per position.</summary>
    Eels,

    /// <summary>The EDS detector: one X-ray spectrum per position.</summary>
    Eds,
}

/// <summary>The scan: a grid of <see cref="PixelsY"/> × <see cref="PixelsX"/> probe positions over a field of view.</summary>
/// <param name="CenterXNm">Centre of the field, x, from the optical axis (image shift, nm).</param>
/// <param name="CenterYNm">Centre of the field, y (nm; y grows down the image).</param>
/// <param name="FieldOfViewNm">Width of the field along the fast scan direction (nm); the height follows the pixel aspect.</param>
/// <param name="PixelsX">Positions per line.</param>
/// <param name="PixelsY">Lines.</param>
/// <param name="DwellUs">Dwell per position (µs).</param>
/// <param name="RotationDeg">Scan rotation (degrees, counter-clockwise on the image).</param>
public sealed record ScanSettings(double CenterXNm, double CenterYNm, double FieldOfViewNm, int PixelsX, int PixelsY, double DwellUs, double RotationDeg = 0)
{
    /// <summary>The spacing of the grid (nm).</summary>
    public double PixelNm => FieldOfViewNm / PixelsX;

    /// <summary>Positions of the grid.</summary>
    public long PositionCount => (long)PixelsX * PixelsY;

    /// <summary>The scene point of grid index (row, column) before drift and distortion (nm), relative to the optical axis.</summary>
    public (double X, double Y) Point(int row, int column)
    {
        var (s, c) = Math.SinCos(RotationDeg * Math.PI / 180);
        return Point(row, column, s, c);
    }

    /// <summary><see cref="Point(int, int)"/> with the rotation's sine and cosine given.</summary>
    public (double X, double Y) Point(int row, int column, double sin, double cos)
    {
        double u = (column - ((PixelsX - 1) / 2.0)) * PixelNm, v = (row - ((PixelsY - 1) / 2.0)) * PixelNm;
        return (CenterXNm + (cos * u) + (sin * v), CenterYNm - (sin * u) + (cos * v));
    }
}

/// <summary>Collection angles of a scan detector (mrad).</summary>
/// <param name="InnerMrad">Inner semi-angle (mrad).</param>
/// <param name="OuterMrad">Outer semi-angle (mrad).</param>
public sealed record DetectorAngles(double InnerMrad, double OuterMrad)
{
    /// <summary>The usual angles of <paramref name="kind"/>: HAADF 70–200, ADF 30–70, BF 0–10 mrad.</summary>
    public static DetectorAngles Default(DetectorKind kind) => kind switch
    {
        DetectorKind.Haadf => new(70, 200),
        DetectorKind.Adf => new(30, 70),
        _ => new(0, 10),
    };
}

/// <summary>The spectrometer's energy axis: channel i is at <c>OffsetEv + i·DispersionEv</c>.</summary>
/// <param name="Channels">Channels.</param>
/// <param name="DispersionEv">Energy per channel (eV).</param>
/// <param name="OffsetEv">Energy of channel 0 (eV).</param>
public sealed record SpectrometerSettings(int Channels, double DispersionEv, double OffsetEv)
{
    /// <summary>The EELS default: 2048 channels of 0.5 eV from −10 eV (zero loss to 1 keV: C, O, Ti, La, Cu edges).</summary>
    public static SpectrometerSettings Eels { get; } = new(2048, 0.5, -10);

    /// <summary>The EDS default: 2048 channels of 10 eV from 0 (to 20 keV).</summary>
    public static SpectrometerSettings Eds { get; } = new(2048, 10, 0);
}

/// <summary>One acquisition.</summary>
public sealed record AcquisitionRequest
{
    /// <summary>The detector that records.</summary>
    public required DetectorKind Detector { get; init; }

    /// <summary>The scan grid.</summary>
    public required ScanSettings Scan { get; init; }

    /// <summary>Grid indices (row · PixelsX + column) to visit, in this order: a sparse or custom scan; null: the whole raster.</summary>
    public IReadOnlyList<int>? Positions { get; init; }

    /// <summary>Dwell per listed position (µs), as many as <see cref="Positions"/>; null: the scan's dwell everywhere.</summary>
    public IReadOnlyList<double>? DwellsUs { get; init; }

    /// <summary>Collection angles of a scan detector; null: the detector's defaults.</summary>
    public DetectorAngles? Angles { get; init; }

    /// <summary>Pixels along each side of the (binned) camera for 4D-STEM.</summary>
    public int CameraPixels { get; init; } = 128;

    /// <summary>The spectrometer's axis for EELS and EDS; null: the detector's default.</summary>
    public SpectrometerSettings? Spectrometer { get; init; }

    /// <summary>Keep the camera's frames in the result (false: only push them into the live source).</summary>
    public bool KeepFrames { get; init; } = true;

    /// <summary>Number of positions visited.</summary>
    public long VisitCount => Positions?.Count ?? Scan.PositionCount;
}

/// <summary>What an acquisition cost.</summary>
/// <param name="InstrumentTimeS">Instrument time: dwell, flyback, readout (s).</param>
/// <param name="TotalElectrons">Electrons delivered to the sample.</param>
/// <param name="DoseEPerA2">Dose per position (electrons / grid pixel area, e⁻/Å²): the largest over the positions.</param>
/// <param name="MeanDoseEPerA2">Electrons delivered over the scanned field's area (e⁻/Å²).</param>
/// <param name="PositionDoseEPerA2">Dose of each visited position in visit order (e⁻/Å²).</param>
public sealed record AcquisitionCost(double InstrumentTimeS, double TotalElectrons, double DoseEPerA2, double MeanDoseEPerA2, IReadOnlyList<double> PositionDoseEPerA2);

/// <summary>What an acquisition returns: calibrated datasets with their metadata, and the cost.</summary>
/// <param name="Datasets">The data (an image, a 4D-STEM scan or a spectrum image; a sparse scan adds its probe positions).</param>
/// <param name="Cost">Time and dose.</param>
/// <param name="StartedS">Instrument clock at the start (s).</param>
/// <param name="Streamed">The frames that went to the live source only (<see cref="AcquisitionRequest.KeepFrames"/> false): what their dataset is.</param>
public sealed record AcquisitionResult(IReadOnlyList<EmDataset> Datasets, AcquisitionCost Cost, double StartedS, StreamedFrames? Streamed = null);

/// <summary>The dataset that frames pushed to a live source make up, without the frames.</summary>
/// <param name="Name">Dataset name.</param>
/// <param name="Shape">Navigation × signal shape.</param>
/// <param name="Axes">Calibrated axes.</param>
/// <param name="DType">Element type.</param>
/// <param name="Metadata">Normalised metadata.</param>
/// <param name="Original">The instrument's metadata tree.</param>
public sealed record StreamedFrames(string Name, DatasetShape Shape, IReadOnlyList<Axis> Axes, DType DType, Metadata Metadata, MetadataTree Original)
{
    /// <summary>The dataset over <paramref name="storage"/> (the frames, collected elsewhere).</summary>
    public EmDataset ToDataset(Condenser.Data.Storage.ArrayStorage storage) => new(Name, Shape, Axes, DType, storage, Metadata, Original);
}
