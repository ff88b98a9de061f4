using System.Collections;

namespace CreditPolicy.Model;

/// <summary>An immutable set of strings compared ordinally, as a <c>set</c> attribute or constant holds it: sorted, without duplicates.</summary>
/// <remarks>
/// Rules test membership with <c>Contains</c> (a binary search, so it costs no more than a few comparisons) and may
/// count it or run sequence operators over it. The order is ordinal, so a set reads and prints the same whatever the culture.
/// </remarks>
public sealed class StringSet : IReadOnlyList<string>
{
    private readonly string[] _items;

    private StringSet(string[] sortedDistinct) => _items = sortedDistinct;

    /// <summary>The empty set.</summary>
    public static StringSet Empty { get; } = new([]);

    /// <summary>A set of the given strings; duplicates collapse.</summary>
    /// <exception cref="ArgumentNullException">Thrown when <paramref name="items"/> or one of them is null.</exception>
    public static StringSet Of(IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var array = items.ToArray();
        foreach (var item in array) ArgumentNullException.ThrowIfNull(item, nameof(items));
        Array.Sort(array, StringComparer.Ordinal);
        var n = 0;
        for (var i = 0; i < array.Length; i++)
        {
            if (n == 0 || !string.Equals(array[n - 1], array[i], StringComparison.Ordinal)) array[n++] = array[i];
        }

        return n == 0 ? Empty : new StringSet(n == array.Length ? array : array[..n]);
    }

    /// <summary>How many strings the set holds.</summary>
    public int Count => _items.Length;

    /// <summary>The string at a position in ordinal order.</summary>
    public string this[int index] => _items[index];

    /// <summary>Whether the set holds the string (ordinal comparison).</summary>
    public bool Contains(string value) => value is not null && Array.BinarySearch(_items, value, StringComparer.Ordinal) >= 0;

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <summary>The set as JSON-like text, for example <c>["DE", "FR"]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", _items.Select(s => "\"" + s + "\"")) + "]";
}
