using System.Text.Encodings.Web;
using System.Text.Json;

namespace Condenser.Cli.Commands;

internal static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
