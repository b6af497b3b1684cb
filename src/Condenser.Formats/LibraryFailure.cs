namespace Condenser.Formats;

/// <summary>
/// Words for a failure a decoding library reported on a damaged file. A library's own account (PureHDF's "the actual
/// signature … does not match …", LibTiff's) is kept; what the runtime raised inside it ("Index was out of range",
/// "Non-negative number required", "Arithmetic operation resulted in an overflow") says nothing about the file, so it
/// becomes what it means there.
/// </summary>
internal static class LibraryFailure
{
    /// <summary>What went wrong, in a user's terms.</summary>
    public static string Describe(Exception e) => e switch
    {
        // What the runtime raises on its own (an index, a cast, an overflow) names no structure: always translated.
        EndOfStreamException => "the file ends inside a structure it describes",
        OutOfMemoryException or InsufficientExecutionStackException => "a size in the file is larger than any real file's",
        OverflowException => "a size or count in the file overflows",
        ArgumentOutOfRangeException or IndexOutOfRangeException => "a size, position or count in the file is out of range",
        InvalidCastException => "a value in the file has a type its structure does not allow",
        NullReferenceException or ObjectDisposedException => "its structure is inconsistent",

        // What a library raises itself says what it found ("Superblock offsets size must be a power of two"): kept.
        _ when !ThrownBy(e, "System") && !HasDefaultMessage(e) => e.Message,
        NotSupportedException or NotImplementedException => "it uses a layout the decoder does not support",
        FormatException => "a number in the file is not a number",
        ArgumentException => "a size, position or count in the file is not valid",
        _ => "its structure is inconsistent",
    };

    /// <summary>Whether the message is the one its type carries when none is given ("Specified method is not
    /// supported."): it then says nothing the type does not.</summary>
    private static bool HasDefaultMessage(Exception e)
    {
        try
        {
            return e.GetType().GetConstructor(Type.EmptyTypes) is { } make && ((Exception)make.Invoke(null)).Message == e.Message;
        }
        catch (System.Reflection.TargetInvocationException)
        {
            return false;
        }
    }

    /// <summary>Whether the exception was raised in a namespace (the runtime's own: "System").</summary>
    private static bool ThrownBy(Exception e, string ns)
        => e.TargetSite?.DeclaringType?.Namespace is { } n && (n == ns || n.StartsWith(ns + ".", StringComparison.Ordinal));
}
