using System.Xml.Linq;
using Condenser.Data;

namespace Condenser.Formats;

/// <summary>XML metadata (EMPAD descriptions, JEOL TemReporter, ...) as a metadata tree.</summary>
internal static class XmlMetadata
{
    /// <summary>Elements become entries (nested elements nested trees, 32 levels at most); attributes get an "@".</summary>
    public static MetadataTree Tree(XElement e, int depth = 0)
    {
        var t = new MetadataTree();
        foreach (var a in e.Attributes())
        {
            t.Add("@" + a.Name.LocalName, a.Value);
        }

        foreach (var c in e.Elements())
        {
            if (c.HasElements && depth < 32)
            {
                t.Add(c.Name.LocalName, Tree(c, depth + 1));
            }
            else
            {
                t.Add(c.Name.LocalName, c.Value);
            }
        }

        return t;
    }
}
