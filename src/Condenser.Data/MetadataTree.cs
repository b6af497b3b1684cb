namespace Condenser.Data;

/// <summary>
/// The original metadata of a file, as the file holds it: an ordered tree of names to values.
/// A value is a string, a number (long or double), a bool, an array of those, or a nested <see cref="MetadataTree"/>.
/// </summary>
public sealed class MetadataTree
{
    private readonly OrderedDictionary<string, object?> _items = new(StringComparer.Ordinal);

    /// <summary>The entries in file order.</summary>
    public IEnumerable<KeyValuePair<string, object?>> Items => _items;

    /// <summary>Number of direct entries.</summary>
    public int Count => _items.Count;

    /// <summary>Gets or sets an entry; setting an existing name replaces it.</summary>
    public object? this[string key]
    {
        get => _items.TryGetValue(key, out var v) ? v : null;
        set => _items[key] = value;
    }

    /// <summary>Adds an entry; a repeated name gets a suffix " #2", " #3" ... so no entry is lost.</summary>
    public void Add(string key, object? value)
    {
        if (!_items.ContainsKey(key))
        {
            _items[key] = value;
            return;
        }

        for (int i = 2; ; i++)
        {
            var k = $"{key} #{i}";
            if (!_items.ContainsKey(k))
            {
                _items[k] = value;
                return;
            }
        }
    }

    /// <summary>Returns the child tree of that name, creating it when missing.</summary>
    public MetadataTree Child(string key)
    {
        if (_items.TryGetValue(key, out var v) && v is MetadataTree t)
        {
            return t;
        }

        t = new MetadataTree();
        _items[key] = t;
        return t;
    }

    /// <summary>True when the entry exists.</summary>
    public bool ContainsKey(string key) => _items.ContainsKey(key);

    /// <summary>Follows a path of names ("ImageList", "1", "ImageTags"); null when any step is missing.</summary>
    public object? Get(params string[] path)
    {
        object? node = this;
        foreach (var p in path)
        {
            if (node is not MetadataTree t || !t._items.TryGetValue(p, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The value at a path as a double, when it is numeric (or a numeric string).</summary>
    public double? GetDouble(params string[] path) => Get(path) switch
    {
        double d => d,
        float f => f,
        long l => l,
        int i => i,
        ulong u => u,
        uint u => u,
        short s => s,
        ushort s => s,
        byte b => b,
        sbyte b => b,
        bool b => b ? 1 : 0,
        string s when double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    /// <summary>The value at a path as a string, when it is one (or a number).</summary>
    public string? GetString(params string[] path) => Get(path) switch
    {
        null => null,
        string s => s,
        MetadataTree => null,
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        var o => o.ToString(),
    };
}
