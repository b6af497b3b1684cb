namespace Condenser.Catalog;

/// <summary>What went wrong with a catalogue request; the server maps each to an HTTP status.</summary>
public enum CatalogError
{
    /// <summary>The request is malformed or names something invalid (400).</summary>
    Invalid,

    /// <summary>The caller is not signed in and must be (401).</summary>
    Unauthenticated,

    /// <summary>The caller may not do this (403).</summary>
    Forbidden,

    /// <summary>No such record, or none the caller may see (404).</summary>
    NotFound,

    /// <summary>The request conflicts with what is stored (409).</summary>
    Conflict,

    /// <summary>The upload is larger than the library accepts (413).</summary>
    TooLarge,

    /// <summary>The file is not one Condenser can read (422).</summary>
    Unreadable,
}

/// <summary>The one exception the catalogue throws for a request it refuses; the message says what was wrong.</summary>
public sealed class CatalogException(CatalogError error, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The kind of refusal.</summary>
    public CatalogError Error { get; } = error;
}
