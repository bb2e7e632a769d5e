using System.Collections;
using System.Numerics;
using GraphQL.Transport;

namespace DrsGraph.Gateway.ResponseCaching;

/// <summary>
/// What a parsed request kept with an answer costs the answer cache, in bytes (an estimate: object headers, references
/// and UTF-16 text; a collection's spare capacity is not counted): its strings, and the maps, lists and boxed values its
/// variables and extensions were read into. A variable list of small numbers costs several times its JSON text, so the
/// text's length alone would not bound it.
/// </summary>
internal static class RequestFootprint
{
    private const int ObjectHeader = 24;
    private const int Reference = 8;

    /// <summary>
    /// <paramref name="request"/>'s bytes, leaving out its query text when it is <paramref name="document"/> itself (the
    /// cache counts the document already).
    /// </summary>
    public static long BytesOf(GraphQLRequest? request, string? document)
    {
        if (request is null)
        {
            return 0;
        }

        var bytes = ObjectHeader + (6L * Reference)
            + StringBytes(request.OperationName)
            + StringBytes(request.DocumentId)
            + ValueBytes(request.Variables)
            + ValueBytes(request.Extensions);
        return ReferenceEquals(request.Query, document) ? bytes : bytes + StringBytes(request.Query);
    }

    private static long StringBytes(string? text) => text is null ? 0 : ObjectHeader + (2L * text.Length);

    // GraphQL.NET's input converter reads JSON into dictionaries, lists, strings and boxed numbers and booleans; the
    // nesting is bounded by RequestJson.MaxDepth.
    private static long ValueBytes(object? value) => value switch
    {
        null => 0,
        string text => StringBytes(text),
        BigInteger big => ObjectHeader + Reference + big.GetByteCount(),
        IDictionary<string, object?> map => MapBytes(map),
        IEnumerable list => ListBytes(list),
        _ => ObjectHeader + Reference,
    };

    private static long MapBytes(IDictionary<string, object?> map)
    {
        // A dictionary's buckets and entries: a hash code, a next index, the key and the value per entry, and a bucket.
        var bytes = (3L * ObjectHeader) + (map.Count * (8L + (3 * Reference)));
        foreach (var (key, item) in map)
        {
            bytes += StringBytes(key) + ValueBytes(item);
        }

        return bytes;
    }

    private static long ListBytes(IEnumerable list)
    {
        var bytes = 2L * ObjectHeader;
        foreach (var item in list)
        {
            bytes += Reference + ValueBytes(item);
        }

        return bytes;
    }
}
