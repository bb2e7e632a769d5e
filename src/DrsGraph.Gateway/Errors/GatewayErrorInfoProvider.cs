using GraphQL;
using GraphQL.Execution;

namespace DrsGraph.Gateway.Errors;

/// <summary>
/// Puts an error's data (kind, jobId, upstream status and request id) straight into
/// <c>extensions</c>, next to <c>code</c>, where GraphQL clients look for it; and cuts a message short.
/// </summary>
public sealed class GatewayErrorInfoProvider() : ErrorInfoProvider(new ErrorInfoProviderOptions { ExposeCodes = false, ExposeData = false })
{
    /// <summary>
    /// Longest message answered. GraphQL.NET's coercion errors quote the value they could not coerce whole (DRS's own texts are cut at 4 096 already): a 900 KB string
    /// sent for an Int was answered as a 900 KB message (and a hundred of them as a hundred).
    /// </summary>
    public const int MaxMessageLength = 5000;

    public override ErrorInfo GetInfo(ExecutionError executionError)
    {
        var info = base.GetInfo(executionError);
        if (info.Message is { Length: > MaxMessageLength } message)
        {
            info = new ErrorInfo { Message = string.Concat(message.AsSpan(0, MaxMessageLength), "… (cut short)"), Extensions = info.Extensions };
        }

        if (executionError.Data.Count == 0)
        {
            return info;
        }

        var extensions = info.Extensions ?? new Dictionary<string, object?>();
        foreach (System.Collections.DictionaryEntry entry in executionError.Data)
        {
            if (entry.Key is string key && !extensions.ContainsKey(key))
            {
                extensions[key] = entry.Value;
            }
        }

        return new ErrorInfo { Message = info.Message, Extensions = extensions };
    }
}
