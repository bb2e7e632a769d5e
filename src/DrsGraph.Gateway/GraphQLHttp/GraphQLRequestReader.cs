using System.Text.Json;
using GraphQL;
using GraphQL.Transport;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>One parsed entry: a request to execute, or the reason it cannot be.</summary>
internal readonly record struct ParsedRequest(GraphQLRequest? Request, string? Error)
{
    public static ParsedRequest Invalid(string error) => new(null, error);
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

        if (!element.TryGetProperty("query", out var query) || query.ValueKind == JsonValueKind.Null)
        {
            return ParsedRequest.Invalid("The 'query' parameter is required.");
        }

        if (query.ValueKind != JsonValueKind.String)
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

        if (!TryReadMap(element, "variables", out var variables, out var error)
            || !TryReadMap(element, "extensions", out var extensions, out error))
        {
            return ParsedRequest.Invalid(error!);
        }

        return new(new GraphQLRequest
        {
            Query = query.GetString(),
            OperationName = operationName,
            Variables = variables,
            Extensions = extensions,
        }, null);
    }

    public ParsedRequest FromQueryString(IQueryCollection query)
    {
        if (!TrySingle(query, "query", out var text, out var error)
            || !TrySingle(query, "operationName", out var operationName, out error)
            || !TrySingle(query, "variables", out var variablesJson, out error)
            || !TrySingle(query, "extensions", out var extensionsJson, out error))
        {
            return ParsedRequest.Invalid(error!);
        }

        if (text is null)
        {
            return ParsedRequest.Invalid("The 'query' parameter is required.");
        }

        if (!TryParseMap(variablesJson, "variables", out var variables, out error)
            || !TryParseMap(extensionsJson, "extensions", out var extensions, out error))
        {
            return ParsedRequest.Invalid(error!);
        }

        return new(new GraphQLRequest
        {
            Query = text,
            OperationName = string.IsNullOrEmpty(operationName) ? null : operationName,
            Variables = variables,
            Extensions = extensions,
        }, null);
    }

    private bool TryReadMap(JsonElement element, string parameter, out Inputs? map, out string? error)
    {
        if (element.TryGetProperty(parameter, out var value))
        {
            return TryConvertMap(value, parameter, out map, out error);
        }

        (map, error) = (null, null);
        return true;
    }

    private bool TryParseMap(string? json, string parameter, out Inputs? map, out string? error)
    {
        map = null;
        error = null;
        if (string.IsNullOrEmpty(json))
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return TryConvertMap(document.RootElement, parameter, out map, out error);
        }
        catch (JsonException)
        {
            error = $"The '{parameter}' parameter is not valid JSON.";
            return false;
        }
    }

    private bool TryConvertMap(JsonElement value, string parameter, out Inputs? map, out string? error)
    {
        (map, error) = (null, null);
        if (value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            error = $"The '{parameter}' parameter must be a JSON object.";
            return false;
        }

        map = serializer.ReadNode<Inputs>(value);
        return true;
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
