using System.CommandLine;
using System.Globalization;
using Condenser.Data;
using Condenser.Formats;

namespace Condenser.Cli.Commands;

/// <summary>Options shared by the commands that open a file.</summary>
internal sealed class CommonOptions
{
    public Argument<string> File { get; } = new("file") { Description = "the file to open (any supported format)" };

    public Option<string?> Format { get; } = new("--format") { Description = "read as this format instead of detecting it (see `condenser formats`)" };

    public Option<string?> Shape { get; } = new("--shape") { Description = "for raw data: shape in C order, e.g. 256,256,128,128" };

    public Option<string?> DType { get; } = new("--dtype") { Description = "for raw data: uint8, uint16, float32, ..." };

    public Option<int?> NavDims { get; } = new("--nav-dims") { Description = "for raw data: how many leading dimensions of --shape are navigation" };

    public Option<long> Offset { get; } = new("--offset") { Description = "for raw data: byte offset of the first element", DefaultValueFactory = _ => 0 };

    public Option<bool> BigEndian { get; } = new("--big-endian") { Description = "for raw data: values are big-endian" };

    public Option<string?> ScanShape { get; } = new("--scan-shape") { Description = "scan shape Y,X overriding the file (Merlin MIB, EMPAD)" };

    public void AddTo(Command c, bool withFile = true)
    {
        if (withFile)
        {
            c.Arguments.Add(File);
        }

        foreach (var o in new Option[] { Format, Shape, DType, NavDims, Offset, BigEndian, ScanShape })
        {
            c.Options.Add(o);
        }
    }

    public EmFile Open(ParseResult r) => Open(r, r.GetValue(File)!);

    /// <summary>Opens <paramref name="path"/> with the format and raw-data options of the command line.</summary>
    public EmFile Open(ParseResult r, string path)
    {
        var shape = ParseInts(r.GetValue(Shape), "--shape");
        var dtypeText = r.GetValue(DType);
        var options = new OpenOptions
        {
            Shape = shape,
            DType = dtypeText is null ? null : DTypeInfo.Parse(dtypeText),
            NavigationDims = r.GetValue(NavDims),
            Offset = r.GetValue(Offset),
            BigEndian = r.GetValue(BigEndian),
            NavigationShape = ParseInts(r.GetValue(ScanShape), "--scan-shape"),
        };
        var format = r.GetValue(Format);
        if (format is null && shape is not null && options.DType is not null)
        {
            format = "raw";
        }

        return FormatRegistry.Open(path, options, format);
    }

    public static int[]? ParseInts(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var parts = text.Split([',', 'x', '×', ' '], StringSplitOptions.RemoveEmptyEntries);
        var v = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out v[i]) || v[i] <= 0)
            {
                throw new ArgumentException($"{what} '{text}': '{parts[i]}' is not a positive integer");
            }
        }

        return v;
    }

    /// <summary>Parses a comma-separated list of finite numbers; <paramref name="what"/> names the option in the error.</summary>
    public static double[] ParseDoubles(string text, string what)
    {
        var parts = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        var v = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !double.IsFinite(v[i]))
            {
                throw new ArgumentException($"{what} '{text}': '{parts[i]}' is not a number");
            }
        }

        return v;
    }
}
