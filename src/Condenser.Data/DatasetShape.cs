namespace Condenser.Data;

/// <summary>A dataset's shape split into navigation (scan) dimensions and signal dimensions, each in C order (slowest first).</summary>
public sealed class DatasetShape : IEquatable<DatasetShape>
{
    /// <summary>Creates a shape; every size must be at least 1 (0 is allowed only for an empty dataset).</summary>
    public DatasetShape(IReadOnlyList<int> navigation, IReadOnlyList<int> signal)
    {
        foreach (var n in navigation.Concat(signal))
        {
            if (n < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(navigation), $"dimension size {n} is negative");
            }
        }

        Navigation = navigation.ToArray();
        Signal = signal.ToArray();
        NavigationCount = Product(Navigation);
        SignalCount = Product(Signal);
        ElementCount = checked(NavigationCount * SignalCount);
    }

    /// <summary>Navigation sizes, slowest first.</summary>
    public IReadOnlyList<int> Navigation { get; }

    /// <summary>Signal sizes, slowest first.</summary>
    public IReadOnlyList<int> Signal { get; }

    /// <summary>All sizes: navigation then signal.</summary>
    public int[] Dimensions => [.. Navigation, .. Signal];

    /// <summary>Number of dimensions.</summary>
    public int Rank => Navigation.Count + Signal.Count;

    /// <summary>Number of frames (product of the navigation sizes; 1 without navigation).</summary>
    public long NavigationCount { get; }

    /// <summary>Elements in one frame (product of the signal sizes).</summary>
    public long SignalCount { get; }

    /// <summary>All elements.</summary>
    public long ElementCount { get; }

    private static long Product(IReadOnlyList<int> sizes)
    {
        long p = 1;
        foreach (var s in sizes)
        {
            p = checked(p * s);
        }

        return p;
    }

    /// <inheritdoc/>
    public bool Equals(DatasetShape? other) => other is not null
        && Navigation.SequenceEqual(other.Navigation) && Signal.SequenceEqual(other.Signal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as DatasetShape);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(string.Join(",", Navigation), string.Join(",", Signal));

    /// <summary>"(4, 2 | 256, 256)".</summary>
    public override string ToString() => $"({string.Join(", ", Navigation)} | {string.Join(", ", Signal)})";
}
