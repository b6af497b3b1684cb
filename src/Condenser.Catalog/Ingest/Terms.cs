using System.Text;

namespace Condenser.Catalog.Ingest;

/// <summary>The words a record is found by: lower-case letters and digits, split at everything else.</summary>
public static class Terms
{
    /// <summary>Longest term kept (longer words are cut).</summary>
    public const int MaxLength = 40;

    /// <summary>Most terms kept per record.</summary>
    public const int MaxTerms = 400;

    /// <summary>The distinct terms of some texts.</summary>
    public static IReadOnlyList<string> Of(IEnumerable<string?> texts)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in texts)
        {
            foreach (var w in Split(t))
            {
                if (set.Count >= MaxTerms)
                {
                    return set.ToList();
                }

                set.Add(w);
            }
        }

        return set.ToList();
    }

    /// <summary>The words of a text (used for queries too).</summary>
    public static IEnumerable<string> Split(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var sb = new StringBuilder();
        foreach (var ch in text.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(ch))
            {
                sb.Append(char.ToLowerInvariant(ch));
            }
            else if (sb.Length > 0)
            {
                yield return Cut(sb);
                sb.Clear();
            }
        }

        if (sb.Length > 0)
        {
            yield return Cut(sb);
        }
    }

    private static string Cut(StringBuilder sb) => sb.Length > MaxLength ? sb.ToString(0, MaxLength) : sb.ToString();
}
