using System.Collections.ObjectModel;

namespace TvRelu;

/// <summary>Copies core arrays into read-only lists, and compares lists by value.</summary>
internal static class ReadOnly
{
    internal static IReadOnlyList<T> Copy<T>(T[] values) => Array.AsReadOnly((T[])values.Clone());

    internal static IReadOnlyList<TOut> Map<TIn, TOut>(IEnumerable<TIn> values, Func<TIn, TOut> map) =>
        new ReadOnlyCollection<TOut>(values.Select(map).ToArray());

    internal static bool SequenceEqual<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.SequenceEqual(b));

    internal static int SequenceHash<T>(IReadOnlyList<T>? values)
    {
        var hash = new HashCode();
        if (values is not null)
        {
            foreach (var v in values)
            {
                hash.Add(v);
            }
        }
        return hash.ToHashCode();
    }
}
