namespace Condenser.Data.Tests;

/// <summary>A refusal is one printable line of bounded length, whatever text a damaged file or a library supplied.</summary>
public sealed class EmFileExceptionTests
{
    [Fact]
    public void ControlCharactersAndLineBreaksBecomeSingleSpaces()
    {
        var e = new EmFileException("/data/a.dm4", 120, "tag name \"ab\0\0c\"\r\n  is   not\tknown");
        Assert.Equal("/data/a.dm4: at byte 120: tag name \"ab c\" is not known", e.Message);
        Assert.Equal("tag name \"ab c\" is not known", e.Problem);
    }

    [Fact]
    public void AHugeProblemIsCutToOneBoundedLineThatStillNamesTheFileAndOffset()
    {
        // As a damaged file once gave: 105 KB over 8 lines with NUL bytes.
        var problem = string.Concat(Enumerable.Range(0, 8).Select(i => new string('x', 13_000) + "\0\n"));
        var e = new EmFileException("/data/scan.mib", 4096, problem);
        Assert.True(e.Message.Length <= EmFileException.MaxMessageLength, $"{e.Message.Length} characters");
        Assert.StartsWith("/data/scan.mib: at byte 4096: xxx", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("…", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(e.Message, char.IsControl);
        Assert.True(e.Problem.Length <= EmFileException.MaxMessageLength);
    }

    [Fact]
    public void AVeryLongPathKeepsTheEndOfTheMessage()
    {
        var path = "/" + string.Join('/', Enumerable.Repeat("folder", 200)) + "/file.emd";
        var e = new EmFileException(path, -1, "not a readable HDF5 file");
        Assert.True(e.Message.Length <= EmFileException.MaxMessageLength);
        Assert.EndsWith("file.emd: not a readable HDF5 file", e.Message, StringComparison.Ordinal);
    }
}
