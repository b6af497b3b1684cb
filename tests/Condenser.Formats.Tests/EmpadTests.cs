using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>EMPAD: no vendor fixture is available, so a file is made to the layout: 128 × 130 float32 frames.</summary>
public sealed class EmpadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-empad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReadsAScanAndDropsTheTwoMetadataRows()
    {
        const int sx = 3, sy = 2;
        var raw = new byte[sx * sy * 128 * 130 * 4];
        for (int f = 0; f < sx * sy; f++)
        {
            for (int i = 0; i < 128 * 130; i++)
            {
                float v = i < 128 * 128 ? (f * 1000) + (i % 997) : -1e9f;
                BitConverter.TryWriteBytes(raw.AsSpan(((f * 128 * 130) + i) * 4), v);
            }
        }

        File.WriteAllBytes(Path.Combine(_dir, "scan_x3_y2.raw"), raw);
        var xml = Path.Combine(_dir, "scan.xml");
        File.WriteAllText(xml, """
            <?xml version="1.0"?>
            <root>
              <raw_file filename="scan_x3_y2.raw"/>
              <pix_x>3</pix_x>
              <pix_y>2</pix_y>
              <iom_measurements><calibrated_pixelsize>1.5e-10</calibrated_pixelsize></iom_measurements>
              <timestamp><isoformat>2020-01-02T03:04:05</isoformat></timestamp>
            </root>
            """);
        using var file = FormatRegistry.Open(xml);
        Assert.Equal("empad", file.Format);
        var d = file.Datasets.Single();
        Assert.Equal(new[] { 2, 3, 128, 128 }, d.Shape.Dimensions);
        Assert.Equal(SignalTypes.FourDStem, d.Metadata.SignalType);
        Assert.Equal("1/nm", d.Axes[3].Units);
        Assert.Equal(0.15, d.Axes[3].Scale, 12);
        var s = DatasetSummary.Compute(d);
        Assert.Equal(0, s.Min);
        Assert.Equal(5000 + 996, s.Max);
        var frame = new byte[d.FrameBytes];
        d.ReadFrame(4, frame);
        Assert.Equal(4000 + (200 % 997), BitConverter.ToSingle(frame, 200 * 4));
    }

    [Fact]
    public void AMissingRawFileIsNamed()
    {
        var xml = Path.Combine(_dir, "lost.xml");
        File.WriteAllText(xml, "<root><raw_file filename=\"gone.raw\"/><pix_x>2</pix_x><pix_y>2</pix_y></root>");
        var e = Assert.Throws<EmFileException>(() => FormatRegistry.Open(xml));
        Assert.Contains("gone.raw", e.Message);
    }
}
