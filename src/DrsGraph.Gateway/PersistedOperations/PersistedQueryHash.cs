using System.Security.Cryptography;
using System.Text;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>The SHA-256 of a document's UTF-8 text in lower-case hex, as Apollo Client and HotChocolate compute it.</summary>
public static class PersistedQueryHash
{
    public static string Of(string document) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document)));

    /// <summary>64 hex digits; anything else is never looked up (nor used in a Redis key).</summary>
    public static bool IsWellFormed(string? hash) => hash is { Length: 64 } && hash.All(char.IsAsciiHexDigit);
}
