using GraphQL;
using GraphQL.Execution;

namespace DrsGraph.Gateway.Errors;

/// <summary>
/// Puts an error's data (kind, jobId, upstream status and request id) straight into
/// <c>extensions</c>, next to <c>code</c>, where GraphQL clients look for it.
/// </summary>
public sealed class GatewayErrorInfoProvider() : ErrorInfoProvider(new ErrorInfoProviderOptions { ExposeCodes = false, ExposeData = false })
{
    public override ErrorInfo GetInfo(ExecutionError executionError)
    {
        var info = base.GetInfo(executionError);
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
