using Condenser.Data;

namespace Condenser.Cli.Commands;

/// <summary>Runs a command body: bad input becomes one line on stderr and a non-zero exit, never a stack trace.</summary>
internal static class CommandRunner
{
    /// <summary>Exit code for input that could not be read or understood.</summary>
    public const int BadInput = 2;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Condenser.Catalog.CatalogException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (System.Data.Common.DbException e)
        {
            Console.Error.WriteLine($"error: the database refused: {e.Message}");
            return 1;
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"error: the server could not be reached: {e.Message}");
            return 1;
        }
        catch (EmFileException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or ArgumentException or IOException or InvalidOperationException or NotSupportedException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
    }
}
