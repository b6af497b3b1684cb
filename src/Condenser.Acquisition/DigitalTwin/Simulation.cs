using System.Runtime.InteropServices;
using Condenser.Acquisition.Instrument;
using Condenser.Data;
using Condenser.Data.Storage;
using Condenser.Processing.MapReduce;

namespace Condenser.Acquisition.DigitalTwin;

/// <summary>
/// Where and when the probe goes: the scene point of each visit (stage, image shift, drift since the session began,
/// line jitter, flyback distortion), its dwell, and the acquisition's instrument time and electrons.
/// </summary>
internal sealed class ScanPlan
{
    public required int Count { get; init; }

    public required int[] Grid { get; init; }

    public required double[] X { get; init; }

    public required double[] Y { get; init; }

    public required double[] DwellUs { get; init; }

    public required double TimeS { get; init; }

    public required double ElectronsPerUs { get; init; }

    public double Electrons => DwellUs.Sum() * ElectronsPerUs;

    public double ElectronsAt(int i) => DwellUs[i] * ElectronsPerUs;

    public static ScanPlan Build(AcquisitionRequest r, DigitalTwin twin, ulong seed)
    {
        var o = twin.Options;
        var s = r.Scan;
        int n = checked((int)r.VisitCount);
        var grid = r.Positions?.ToArray() ?? Enumerable.Range(0, n).ToArray();
        var dwell = r.DwellsUs?.ToArray() ?? Enumerable.Repeat(s.DwellUs, n).ToArray();
        double frame = r.Detector switch
        {
            DetectorKind.FourDStem => o.CameraFrameUs,
            DetectorKind.Eels => o.SpectrometerFrameUs,
            _ => 0,
        };
        var x = new double[n];
        var y = new double[n];
        var (ax, ay) = twin.AxisNm;
        var (vx, vy) = twin.DriftNmPerS;
        double rot = s.RotationDeg * Math.PI / 180, fx = Math.Cos(rot), fy = -Math.Sin(rot), sin = Math.Sin(rot);
        double t = 0; // µs from the start
        int lastRow = -1, lastCol = 0;
        double jitter = 0, lineStart = 0, lagNm = o.FlybackDistortion * s.FieldOfViewNm;
        for (int i = 0; i < n; i++)
        {
            int row = grid[i] / s.PixelsX, col = grid[i] % s.PixelsX;
            if (r.Positions is null)
            {
                if (row != lastRow)
                {
                    if (lastRow >= 0)
                    {
                        t += o.FlybackUs;
                    }

                    var rng = new Rng(Hash.Of(seed, (ulong)row));
                    jitter = o.LineJitterNm * rng.Normal();
                    lineStart = t;
                    lastRow = row;
                }
            }
            else if (i > 0)
            {
                double jump = Math.Sqrt(((row - lastRow) * (row - lastRow)) + ((col - lastCol) * (col - lastCol)));
                t += 1 + (o.FlybackUs * Math.Min(1, jump / Math.Max(s.PixelsX, s.PixelsY)));
                // The coils settle after a jump as after a flyback, by a lag that grows with the jump.
                lagNm = o.FlybackDistortion * jump * s.PixelNm;
                jitter = o.LineJitterNm * new Rng(Hash.Of(seed, (ulong)i)).Normal();
                lineStart = t;
                lastRow = row;
            }
            else
            {
                lastRow = row;
            }

            lastCol = col;
            var (px, py) = s.Point(row, col, sin, fx);
            double sinceLine = t - lineStart;
            double lag = lagNm == 0 ? jitter : jitter - (lagNm * Math.Exp(-sinceLine / o.FlybackTauUs));
            double now = twin.Clock + (t * 1e-6);
            x[i] = ax + px + (fx * lag) + (vx * now);
            y[i] = ay + py + (fy * lag) + (vy * now);
            t += Math.Max(dwell[i], frame);
        }

        return new ScanPlan { Count = n, Grid = grid, X = x, Y = y, DwellUs = dwell, TimeS = t * 1e-6, ElectronsPerUs = twin.ElectronsPerUs };
    }
}

/// <summary>Runs one acquisition's physics over its visits, in parallel, each visit with its own random stream.</summary>
internal sealed class Simulation(DigitalTwin twin, Physics physics, AcquisitionRequest request, ScanPlan plan, ulong seed, PushedFrames? live, CancellationToken cancel)
{
    private const int Block = 64;

    /// <summary>Scan detectors whose inner angle is at least this (mrad) collect the diffuse scattering alone.</summary>
    public const double DiffuseOnlyFromMrad = 50;
    private readonly bool _noise = twin.Options.Noise;
    private readonly DetectorModel _model = twin.Options.Detectors;

    public List<EmDataset> Run() => request.Detector switch
    {
        DetectorKind.FourDStem => FourDStem(),
        DetectorKind.Eels or DetectorKind.Eds => SpectrumImage(),
        _ => ScanImage(),
    };

    private void ForBlocks(Action<int, int> body)
    {
        int blocks = (plan.Count + Block - 1) / Block;
        Parallel.For(0, blocks, new ParallelOptions { CancellationToken = cancel, MaxDegreeOfParallelism = Environment.ProcessorCount }, b =>
        {
            cancel.ThrowIfCancellationRequested();
            body(b * Block, Math.Min(plan.Count, (b + 1) * Block));
        });
    }

    private Rng RngFor(int visit) => new(Hash.Of(seed, (ulong)visit));

    /// <summary>A scan detector's image: one value per position (counts), NaN where a sparse scan did not go.</summary>
    private List<EmDataset> ScanImage()
    {
        var angles = request.Angles ?? DetectorAngles.Default(request.Detector);
        var values = new float[plan.Count];
        double alpha = physics.Optics.ConvergenceMrad;
        // Beyond 50 mrad thermal diffuse scattering outweighs Bragg scattering: a HAADF detector sees the diffuse part alone.
        bool diffuseOnly = angles.InnerMrad >= DiffuseOnlyFromMrad;
        double t0 = physics.ThetaZeroRad * 1e3, o2 = angles.OuterMrad * angles.OuterMrad, i2 = angles.InnerMrad * angles.InnerMrad;
        double share = (o2 / (o2 + (t0 * t0))) - (i2 / (i2 + (t0 * t0)));
        ForBlocks((from, to) =>
        {
            var pattern = new Pattern();
            for (int i = from; i < to; i++)
            {
                double electrons = plan.ElectronsAt(i), expected;
                if (diffuseOnly)
                {
                    expected = electrons * (1 - Math.Exp(-physics.DiffuseExponent(plan.X[i], plan.Y[i]))) * share;
                }
                else
                {
                    // In units of 1 mrad per "pixel", centred on 0.
                    physics.PatternAt(plan.X[i], plan.Y[i], electrons, 0, 1, pattern, (angles.OuterMrad + alpha) * 1e-3);
                    expected = Physics.Collected(pattern, angles.InnerMrad, angles.OuterMrad);
                }

                values[i] = (float)Detect(expected, i);
            }
        });

        var s = request.Scan;
        var image = new float[s.PositionCount];
        if (request.Positions is not null)
        {
            Array.Fill(image, float.NaN);
        }

        for (int i = 0; i < plan.Count; i++)
        {
            image[plan.Grid[i]] = values[i];
        }

        string title = request.Detector switch { DetectorKind.Haadf => "HAADF", DetectorKind.Adf => "ADF", _ => "BF" };
        var axes = new[] { ScanAxis("y", s.PixelsY, true, false), ScanAxis("x", s.PixelsX, false, false) };
        var ds = new EmDataset(title, new DatasetShape([], [s.PixelsY, s.PixelsX]), axes, DType.Float32, new MemoryStorage(MemoryMarshal.AsBytes(image.AsSpan()).ToArray()),
            new Metadata { Title = title, SignalType = SignalTypes.Image, Detector = $"{title} {angles.InnerMrad:G4}–{angles.OuterMrad:G4} mrad" });
        return WithPositions(ds);
    }

    private double Detect(double expectedElectrons, int visit)
    {
        if (!_noise)
        {
            return (_model.ScanGain * expectedElectrons) + _model.ScanDark;
        }

        var rng = RngFor(visit);
        return (_model.ScanGain * rng.Poisson(expectedElectrons)) + _model.ScanDark + (_model.ScanReadNoise * rng.Normal());
    }

    private List<EmDataset> FourDStem()
    {
        int c = request.CameraPixels;
        long frameBytes = (long)c * c * 2;
        double mrad = twin.Description.MradPerCameraPixel(c, physics.Optics.CameraLengthMm);
        int framesPerPart = (int)Math.Max(1, (1L << 30) / frameBytes);
        byte[][]? parts = request.KeepFrames
            ? Enumerable.Range(0, (plan.Count + framesPerPart - 1) / framesPerPart).Select(p => new byte[Math.Min(framesPerPart, plan.Count - (p * framesPerPart)) * frameBytes]).ToArray()
            : null;
        ForBlocks((from, to) =>
        {
            var pattern = new Pattern();
            var frame = new ushort[c * c];
            for (int i = from; i < to; i++)
            {
                physics.PatternAt(plan.X[i], plan.Y[i], plan.ElectronsAt(i), c, mrad, pattern);
                var rng = RngFor(i);
                Camera.Record(pattern, c, _noise, ref rng, frame);
                if (parts is not null)
                {
                    var bytes = MemoryMarshal.AsBytes(frame.AsSpan());
                    bytes.CopyTo(parts[i / framesPerPart].AsSpan((int)((i % framesPerPart) * frameBytes)));
                }

                live?.Push<ushort>(plan.Grid[i], frame);
            }
        });

        var s = request.Scan;
        var signal = new[] { new Axis("ky", c, mrad, -(c / 2) * mrad, "mrad"), new Axis("kx", c, mrad, -(c / 2) * mrad, "mrad") };
        var meta = new Metadata { Title = "4D-STEM", SignalType = SignalTypes.FourDStem, Detector = $"pixelated camera {c}×{c}, counting" };
        var described = request.Positions is null
            ? new StreamedFrames("4D-STEM", new DatasetShape([s.PixelsY, s.PixelsX], [c, c]), [ScanAxis("y", s.PixelsY, true, true), ScanAxis("x", s.PixelsX, false, true), .. signal], DType.UInt16, meta, new MetadataTree())
            : new StreamedFrames("4D-STEM", new DatasetShape([plan.Count], [c, c]), [new Axis("position", plan.Count, 1, 0, "", true), .. signal], DType.UInt16, meta, new MetadataTree());
        if (parts is null)
        {
            Streamed = described;
            return request.Positions is null ? [] : WithPositions(null);
        }

        ArrayStorage storage = parts.Length == 1 ? new MemoryStorage(parts[0]) : new ConcatenatedStorage(parts.Select(p => (ArrayStorage)new MemoryStorage(p)).ToArray());
        var ds = described.ToDataset(storage);
        return request.Positions is null ? [ds] : WithPositions(ds);
    }

    /// <summary>The frames that went to the live source only.</summary>
    public StreamedFrames? Streamed { get; private set; }

    private List<EmDataset> SpectrumImage()
    {
        bool eels = request.Detector == DetectorKind.Eels;
        var sp = request.Spectrometer ?? (eels ? SpectrometerSettings.Eels : SpectrometerSettings.Eds);
        int ch = sp.Channels;
        var data = new float[(long)plan.Count * ch];
        double kv = physics.Optics.HighTensionKv;
        ForBlocks((from, to) =>
        {
            var expected = new double[ch];
            for (int i = from; i < to; i++)
            {
                var (areal, thickness) = physics.Composition(plan.X[i], plan.Y[i]);
                double electrons = plan.ElectronsAt(i);
                if (eels)
                {
                    Spectra.Eels(areal, thickness, electrons, sp, kv, _model, expected);
                }
                else
                {
                    Spectra.Eds(areal, electrons, sp, kv, _model, expected);
                }

                var rng = RngFor(i);
                var row = data.AsSpan(i * ch, ch);
                for (int k = 0; k < ch; k++)
                {
                    row[k] = !_noise ? (float)expected[k]
                        : eels ? (float)(rng.Poisson(expected[k]) + (_model.SpectrometerReadNoise * rng.Normal()))
                        : rng.Poisson(expected[k]);
                }
            }
        });

        var s = request.Scan;
        var energy = eels ? new Axis("Energy loss", ch, sp.DispersionEv, sp.OffsetEv, "eV") : new Axis("Energy", ch, sp.DispersionEv / 1000, sp.OffsetEv / 1000, "keV");
        string title = eels ? "EELS" : "EDS";
        var meta = new Metadata { Title = title, SignalType = SignalTypes.SpectrumImage, Technique = title, Detector = eels ? "EELS spectrometer" : "EDS detector" };
        var bytes = MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        if (request.Positions is null)
        {
            var axes = new[] { ScanAxis("y", s.PixelsY, true, true), ScanAxis("x", s.PixelsX, false, true), energy };
            return [new EmDataset(title, new DatasetShape([s.PixelsY, s.PixelsX], [ch]), axes, DType.Float32, new MemoryStorage(bytes), meta)];
        }

        var list = new[] { new Axis("position", plan.Count, 1, 0, "", true), energy };
        return WithPositions(new EmDataset(title, new DatasetShape([plan.Count], [ch]), list, DType.Float32, new MemoryStorage(bytes), meta));
    }

    /// <summary>A scan axis in nm over the nominal grid, in scene coordinates.</summary>
    private Axis ScanAxis(string name, int size, bool isY, bool navigate)
    {
        var s = request.Scan;
        var (ax, ay) = (physics.Stage.XUm * 1e3, physics.Stage.YUm * 1e3);
        double offset = isY ? ay + s.CenterYNm - ((s.PixelsY - 1) / 2.0 * s.PixelNm) : ax + s.CenterXNm - ((s.PixelsX - 1) / 2.0 * s.PixelNm);
        return new Axis(name, size, s.PixelNm, offset, "nm", navigate);
    }

    /// <summary>A sparse scan also returns where each visit went on the nominal grid (y, x in nm).</summary>
    private List<EmDataset> WithPositions(EmDataset? ds)
    {
        if (request.Positions is null)
        {
            return ds is null ? [] : [ds];
        }

        var s = request.Scan;
        var xy = new double[plan.Count * 2];
        for (int i = 0; i < plan.Count; i++)
        {
            var (px, py) = s.Point(plan.Grid[i] / s.PixelsX, plan.Grid[i] % s.PixelsX);
            xy[2 * i] = (physics.Stage.YUm * 1e3) + py;
            xy[(2 * i) + 1] = (physics.Stage.XUm * 1e3) + px;
        }

        var positions = new EmDataset("probe positions", new DatasetShape([], [plan.Count, 2]), [new Axis("position", plan.Count), new Axis("y, x", 2, 1, 0, "nm")], DType.Float64,
            new MemoryStorage(MemoryMarshal.AsBytes(xy.AsSpan()).ToArray()), new Metadata { Title = "probe positions (nm)" });
        return ds is null ? [positions] : [ds, positions];
    }
}
