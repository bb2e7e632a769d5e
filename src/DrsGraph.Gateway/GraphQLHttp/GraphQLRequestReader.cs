using System.Text;
using System.Text.Json;
using DrsGraph.Gateway.Errors;
using GraphQL;
using GraphQL.Transport;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>One parsed entry: a request to execute, or the reason it cannot be.</summary>
internal readonly record struct ParsedRequest(GraphQLRequest? Request, string? Error, string? Code = null)
{
    /// <summary>A request that cannot run: <paramref name="code"/>, or <c>INVALID_REQUEST</c> (a malformed request) without one.</summary>
    public static ParsedRequest Invalid(string error, string? code = null) => new(null, error, code ?? GatewayErrorCodes.InvalidRequest);
}

/// <summary>
/// Turns the spec's request parameters (JSON body members or URL query parameters) into
/// <see cref="GraphQLRequest"/>s, naming the parameter that is wrong when one is.
/// </summary>
internal sealed class GraphQLRequestReader(IGraphQLSerializer serializer)
{
    public ParsedRequest FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return ParsedRequest.Invalid("Each GraphQL request must be a JSON object with a 'query' member.");
        }

        // Persisted operations: a trusted document's id (HotChocolate's "id", "documentId", Relay's "doc_id"), or an
        // automatic persisted query's hash in extensions, stand in for the text (PersistedOperations/ resolves them).
        if (!TryReadDocumentId(element, out var documentId, out var idError))
        {
            return ParsedRequest.Invalid(idError!);
        }

        var hasQuery = element.TryGetProperty("query", out var query) && query.ValueKind != JsonValueKind.Null;
        if (!hasQuery && documentId is null && !HasPersistedQuery(element))
        {
            return ParsedRequest.Invalid("The 'query' parameter is required.");
        }

        if (hasQuery && query.ValueKind != JsonValueKind.String)
        {
            return ParsedRequest.Invalid("The 'query' parameter must be a string.");
        }

        string? operationName = null;
        if (element.TryGetProperty("operationName", out var name) && name.ValueKind != JsonValueKind.Null)
        {
            if (name.ValueKind != JsonValueKind.String)
            {
                return ParsedRequest.Invalid("The 'operationName' parameter must be a string.");
            }

            operationName = name.GetString();
        }

        if (!TryReadMap(element, "variables", out var variables, out var error, out var code)
            || !TryReadMap(element, "extensions", out var extensions, out error, out code))
        {
            return ParsedRequest.Invalid(error!, code);
        }

        return new(new GraphQLRequest
        {
            Query = hasQuery ? query.GetString() : null,
            DocumentId = documentId,
            // "" is no name, as for GET (GraphQL.NET runs the only operation): the limits read it the same way.
            OperationName = string.IsNullOrEmpty(operationName) ? null : operationName,
            Variables = variables,
            Extensions = extensions,
        }, null);
    }

    public ParsedRequest FromQueryString(IQueryCollection query)
    {
        if (!TrySingle(query, "query", out var text, out var error)
            || !TrySingle(query, "operationName", out var operationName, out error)
            || !TrySingle(query, "variables", out var variablesJson, out error)
            || !TrySingle(query, "extensions", out var extensionsJson, out error)
            || !TryDocumentIdParameter(query, out var documentId, out error))
        {
            return ParsedRequest.Invalid(error!);
        }

        if (!TryParseMap(variablesJson, "variables", out var variables, out error, out var code)
            || !TryParseMap(extensionsJson, "extensions", out var extensions, out error, out code))
        {
            return ParsedRequest.Invalid(error!, code);
        }

        // A persisted query's hash (or a trusted document's id) stands in for the text: GET with only the hash
        // is what lets a CDN cache an operation by a short URL. Read from the parsed map, as POST reads it: the text
        // "persistedQuery" anywhere in the parameter (a value, another key) answered PERSISTED_QUERY_INVALID where POST
        // answers INVALID_REQUEST.
        if (text is null && documentId is null && extensions?.ContainsKey("persistedQuery") != true)
        {
            return ParsedRequest.Invalid("The 'query' parameter is required.");
        }

        return new(new GraphQLRequest
        {
            Query = text,
            DocumentId = documentId,
            OperationName = string.IsNullOrEmpty(operationName) ? null : operationName,
            Variables = variables,
            Extensions = extensions,
        }, null);
    }

    /// <summary>The parameter names clients use for a trusted document's id: HotChocolate's, the GraphQL over HTTP draft's, Relay's.</summary>
    private static readonly string[] DocumentIdParameters = ["id", "documentId", "doc_id"];

    private static bool TryReadDocumentId(JsonElement element, out string? documentId, out string? error)
    {
        (documentId, error) = (null, null);
        foreach (var parameter in DocumentIdParameters)
        {
            if (!element.TryGetProperty(parameter, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
            {
                error = $"The '{parameter}' parameter must be a non-empty string.";
                return false;
            }

            if (documentId is not null)
            {
                error = "Give a document's id in one parameter only ('id', 'documentId' or 'doc_id').";
                return false;
            }

            documentId = value.GetString();
        }

        return true;
    }

    private static bool HasPersistedQuery(JsonElement element) =>
        element.TryGetProperty("extensions", out var extensions) && extensions.ValueKind == JsonValueKind.Object
        && extensions.TryGetProperty("persistedQuery", out _);

    private static bool TryDocumentIdParameter(IQueryCollection query, out string? documentId, out string? error)
    {
        (documentId, error) = (null, null);
        foreach (var parameter in DocumentIdParameters)
        {
            if (!TrySingle(query, parameter, out var value, out error))
            {
                return false;
            }

            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            if (documentId is not null)
            {
                error = "Give a document's id in one parameter only ('id', 'documentId' or 'doc_id').";
                return false;
            }

            documentId = value;
        }

        return true;
    }

    private bool TryReadMap(JsonElement element, string parameter, out Inputs? map, out string? error, out string? code)
    {
        if (element.TryGetProperty(parameter, out var value))
        {
            return TryConvertMap(value, parameter, out map, out error, out code);
        }

        (map, error, code) = (null, null, null);
        return true;
    }

    private bool TryParseMap(string? json, string parameter, out Inputs? map, out string? error, out string? code)
    {
        (map, error, code) = (null, null, null);
        if (string.IsNullOrEmpty(json))
        {
            return true;
        }

        if (!RequestJson.TryParse(Encoding.UTF8.GetBytes(json), $"The '{parameter}' parameter", out var document, out error))
        {
            code = GatewayErrorCodes.InvalidJson;
            return false;
        }

        using (document)
        {
            return TryConvertMap(document.RootElement, parameter, out map, out error, out code);
        }
    }

    private bool TryConvertMap(JsonElement value, string parameter, out Inputs? map, out string? error, out string? code)
    {
        (map, error, code) = (null, null, null);
        if (value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            error = $"The '{parameter}' parameter must be a JSON object.";
            return false;
        }

        try
        {
            map = serializer.ReadNode<Inputs>(value);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // RequestJson refuses what is known to throw here; anything else it lets through is still the
            // client's JSON, so it is a 400 like the rest, not a 500.
            error = $"The '{parameter}' parameter could not be read as GraphQL input values.";
            code = GatewayErrorCodes.InvalidJson;
            return false;
        }
    }

    private static bool TrySingle(IQueryCollection query, string parameter, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (!query.TryGetValue(parameter, out var values))
        {
            return true;
        }

        if (values.Count > 1)
        {
            error = $"The '{parameter}' parameter must be given at most once.";
            return false;
        }

        value = values[0];
        return true;
    }
}
