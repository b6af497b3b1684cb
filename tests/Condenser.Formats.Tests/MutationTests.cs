using System.Diagnostics;
using Condenser.Data;

namespace Condenser.Formats.Tests;

/// <summary>
/// Every real fixture, damaged: truncated at many offsets and with bytes flipped or overwritten by extreme integers.
/// Reading each one (open, then stream every value) must either succeed or throw <see cref="EmFileException"/> naming
/// the file — never another exception, never a hang, never an allocation far beyond the file's size.
/// </summary>
public sealed class MutationTests : IDisposable
{
    private const int TimeoutMs = 20_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("condenser-mutations-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Mutation seeds every run explores; CONDENSER_MUTATION_SEED adds one more.</summary>
    private static readonly int[] Seeds = [0, 1, 2, 3];

    public static TheoryData<string, int> Files()
    {
        var seeds = int.TryParse(Environment.GetEnvironmentVariable("CONDENSER_MUTATION_SEED"), out var extra) ? [.. Seeds, extra] : Seeds;
        var data = new TheoryData<string, int>();
        foreach (var file in TestData.ReferencedFiles())
        {
            foreach (var seed in seeds.Distinct())
            {
                data.Add(file, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void DamagedFilesFailCleanly(string relative, int seed)
    {
        var source = TestData.File(relative);
        var original = File.ReadAllBytes(source);
        var target = CopyWithSiblings(source);
        var failures = new List<string>();
        foreach (var (what, bytes) in Mutations(original, relative, seed))
        {
            File.WriteAllBytes(target, bytes);
            var outcome = ReadWithLimits(target, bytes.Length);
            if (outcome is not null)
            {
                failures.Add($"{what}: {outcome}");
                if (failures.Count >= 5)
                {
                    break;
                }
            }
        }

        Assert.True(failures.Count == 0, $"{relative}:\n" + string.Join("\n", failures));
    }

    /// <summary>What .NET itself says inside a failing decoder: words about the code, not the file.</summary>
    private static readonly string[] RuntimeTexts =
    [
        "Index was out of range", "Non-negative number required", "Arithmetic operation resulted in an overflow",
        "Specified method is not supported", "Object reference not set", "was not in a correct format",
        "Specified argument was out of the range", "Unable to cast object", "Cannot access a disposed object",
        "Value cannot be null", "Destination array was not long enough", "Offset and length were out of bounds",
        "The method or operation is not implemented", "(Parameter '",
    ];

    /// <summary>Null when reading behaved; otherwise what went wrong.</summary>
    private static string? ReadWithLimits(string path, long fileBytes)
    {
        string? problem = null;
        long allocated = 0;
        var task = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using var file = FormatRegistry.Open(path);
                foreach (var d in file.Datasets)
                {
                    DatasetSummary.Compute(d);
                }
            }
            catch (EmFileException e)
            {
                if (!e.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal) && !e.Message.Contains(".ser", StringComparison.Ordinal) && !e.Message.Contains(".hdr", StringComparison.Ordinal))
                {
                    problem = $"the error does not name the file: {e.Message}";
                }
                else if (e.Message.Length > EmFileException.MaxMessageLength || e.Message.Any(char.IsControl))
                {
                    problem = $"the error is not one printable line of at most {EmFileException.MaxMessageLength} characters ({e.Message.Length})";
                }
                else if (RuntimeTexts.FirstOrDefault(t => e.Message.Contains(t, StringComparison.Ordinal)) is { } raw)
                {
                    problem = $"the error passes the runtime's text ('{raw}') through: {e.Message}";
                }
            }
            catch (Exception e)
            {
                problem = $"{e.GetType().Name}: {e.Message}";
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        if (!task.Wait(TimeoutMs))
        {
            return $"no answer within {TimeoutMs / 1000} s";
        }

        // Decoding may legitimately expand data (packed bits, compression, widening): bounded by a generous factor.
        long limit = (64L << 20) + (64 * fileBytes);
        if (allocated > limit)
        {
            return $"allocated {allocated >> 20} MiB for a {fileBytes >> 10} KiB file";
        }

        return problem;
    }

    private string CopyWithSiblings(string source)
    {
        var dir = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var stem = Path.GetFileNameWithoutExtension(source);
        foreach (var f in Directory.EnumerateFiles(Path.GetDirectoryName(source)!))
        {
            var name = Path.GetFileName(f);
            if (f != source && name.StartsWith(stem, StringComparison.Ordinal) && !name.EndsWith(".json", StringComparison.Ordinal))
            {
                File.Copy(f, Path.Combine(dir, name));
            }
        }

        return Path.Combine(dir, Path.GetFileName(source));
    }

    private static IEnumerable<(string, byte[])> Mutations(byte[] original, string name, int seed)
    {
        int n = original.Length;
        // A stable seed per file and run seed (string hashes change from run to run).
        foreach (var c in name)
        {
            seed = unchecked((seed * 31) + c);
        }

        var rng = new Random(seed & 0x7fffffff);
        bool truncations = seed == 0; // the same cuts whatever the seed: made once
        long[] cuts = truncations ? [0, 1, 3, 8, 16, 64, 200, 512, 1024, 4096, n / 10, n / 3, n / 2, n - (n / 10), n - 8, n - 1] : [];
        foreach (var cut in cuts.Distinct())
        {
            if (cut >= 0 && cut < n)
            {
                yield return ($"truncated at {cut}", original[..(int)cut]);
            }
        }

        int header = Math.Min(n, 4096);
        for (int i = 0; i < 24; i++)
        {
            var b = (byte[])original.Clone();
            int at = i < 16 ? rng.Next(header) : rng.Next(n);
            b[at] ^= (byte)(1 << rng.Next(8));
            yield return ($"bit flipped at {at}", b);
        }

        uint[] extremes = [0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0, 0x00FFFFFF];
        for (int i = 0; i < 16 && n >= 8; i++)
        {
            var b = (byte[])original.Clone();
            int at = rng.Next(Math.Max(1, header - 4));
            uint v = extremes[i % extremes.Length];
            BitConverter.TryWriteBytes(b.AsSpan(at, 4), rng.Next(2) == 0 ? v : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v));
            yield return ($"0x{v:X8} written at {at}", b);
        }
    }
}
