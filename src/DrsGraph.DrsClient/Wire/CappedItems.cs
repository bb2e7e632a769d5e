using System.Collections.ObjectModel;
using System.Text.Json;

namespace DrsGraph.DrsClient.Wire;

/// <summary>
/// An answer's array of items (a batch's <c>results</c>, a page's <c>jobs</c>), at most
/// <see cref="DrsResponseReader.MaxItems"/> of them: one more does not read (a <see cref="JsonException"/> while
/// deserializing, so a protocol error). The byte ceiling alone did not bound memory: a 4 MB answer of a million empty
/// items made a million records of fifty properties each, over 1 GB.
/// </summary>
/// <remarks>
/// A collection the serializer fills through <c>Add</c>, rather than a converter reading each item itself: that cost
/// the serializer's setup per item, and doubled the time to read an answer (bench/README.md, 2026-12-07).
/// </remarks>
public sealed class CappedItems<T> : Collection<T>
{
    protected override void InsertItem(int index, T item)
    {
        if (Count == DrsResponseReader.MaxItems)
        {
            throw new TooManyItemsException();
        }

        base.InsertItem(index, item);
    }
}

/// <summary>An answer with more than <see cref="DrsResponseReader.MaxItems"/> items: read no further, nor again item by item.</summary>
public sealed class TooManyItemsException() : JsonException($"More than {DrsResponseReader.MaxItems} items in one answer, the most any answer may hold.");
