using System.Collections.Frozen;
using System.Text.Json;
using GraphQLParser;
using GraphQLParser.Exceptions;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>
/// The trusted documents, loaded once at start-up from a folder of <c>&lt;id&gt;.graphql</c> files and/or a JSON
/// manifest (<c>{"id": "document text"}</c>). Each is found by its id and by the SHA-256 of its text, so Apollo's
/// hash-only requests and plain text requests of a trusted document run in trusted-only mode too.
/// </summary>
public sealed class TrustedDocuments
{
    private readonly FrozenDictionary<string, string> _byId;
    private readonly FrozenDictionary<string, string> _byHash;

    private TrustedDocuments(Dictionary<string, string> byId)
    {
        _byId = byId.ToFrozenDictionary(StringComparer.Ordinal);
        _byHash = byId.Values.Distinct(StringComparer.Ordinal)
            .ToFrozenDictionary(PersistedQueryHash.Of, text => text, StringComparer.OrdinalIgnoreCase);
    }

    public int Count => _byId.Count;

    public bool TryGetById(string id, out string document) => _byId.TryGetValue(id, out document!);

    public bool TryGetByHash(string hash, out string document) => _byHash.TryGetValue(hash, out document!);

    /// <summary>Reads and parses every document; throws <see cref="InvalidTrustedDocumentsException"/> naming the first bad one.</summary>
    public static TrustedDocuments Load(PersistedOperationsOptions options)
    {
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.TrustedDocumentsFolder is { } folder)
        {
            if (!Directory.Exists(folder))
            {
                throw new InvalidTrustedDocumentsException($"the trusted documents folder '{folder}' does not exist.");
            }

            foreach (var file in Directory.EnumerateFiles(folder, "*.graphql").Order(StringComparer.Ordinal))
            {
                Add(byId, Path.GetFileNameWithoutExtension(file), File.ReadAllText(file), file);
            }
        }

        if (options.TrustedDocumentsManifest is { } manifest)
        {
            Dictionary<string, string>? entries;
            try
            {
                entries = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(manifest));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                throw new InvalidTrustedDocumentsException($"the trusted documents manifest '{manifest}' cannot be read as a JSON object of id to document: {ex.Message}", ex);
            }

            foreach (var (id, text) in entries ?? [])
            {
                Add(byId, id, text, $"{manifest} (id '{id}')");
            }
        }

        return new TrustedDocuments(byId);
    }

    private static void Add(Dictionary<string, string> byId, string id, string? text, string where)
    {
        if (string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidTrustedDocumentsException($"{where}: a trusted document needs an id and a text.");
        }

        try
        {
            _ = Parser.Parse(text);
        }
        catch (GraphQLParserException ex)
        {
            throw new InvalidTrustedDocumentsException($"{where} is not a GraphQL document: {ex.Message}", ex);
        }

        if (byId.TryGetValue(id, out var existing) && existing != text)
        {
            throw new InvalidTrustedDocumentsException($"{where}: the id '{id}' names two different documents.");
        }

        byId[id] = text;
    }
}
