namespace Condenser.Formats.Tests;

/// <summary>How a folder of files splits into main files and the companions their formats read.</summary>
public sealed class GroupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-group-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MainFilesClaimTheirCompanionsWhateverTheNameOrder()
    {
        foreach (var f in new[] { "quantumdetector/001_4x2_6bit.mib", "quantumdetector/001_4x2_6bit.hdr", "tia/new/128x128_TEM_acquire-sum1.emi", "tia/new/128x128_TEM_acquire-sum1_1.ser", "mrc/info.txt" })
        {
            File.Copy(TestData.File(f), Path.Combine(_dir, Path.GetFileName(f)));
        }

        var groups = FormatRegistry.Group(Directory.GetFiles(_dir))
            .Select(g => (Path.GetFileName(g.Main), string.Join(",", g.Companions.Select(Path.GetFileName)))).ToList();

        // The .hdr sorts before its .mib and no format reads it alone; the .emi and its .ser name each other.
        Assert.Equal(
            [("001_4x2_6bit.mib", "001_4x2_6bit.hdr"), ("128x128_TEM_acquire-sum1.emi", "128x128_TEM_acquire-sum1_1.ser"), ("info.txt", string.Empty)],
            groups);
    }
}
