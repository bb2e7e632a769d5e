using DrsGraph.Gateway.Errors;
using GraphQL;

namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// A connection's <c>first</c>/<c>after</c>/<c>last</c>/<c>before</c>, checked, with the cursors decoded to
/// positions in the ordered list (a cursor names the item it was issued for: <c>after</c> starts one later).
/// </summary>
public sealed record PageRequest(int? First, int? Last, int? After, int? Before, int Size)
{
    public static PageRequest Read(IResolveFieldContext context, BrowseOptions options, BrowseCursors cursors, byte[] binding)
    {
        var first = context.GetArgument<int?>("first");
        var last = context.GetArgument<int?>("last");
        if (first < 0 || last < 0)
        {
            throw GatewayErrors.Create(GatewayErrorCodes.InvalidPagingArguments, "first and last must not be negative.");
        }

        if (first is not null && last is not null)
        {
            throw GatewayErrors.Create(GatewayErrorCodes.InvalidPagingArguments, "Give first (with after) to page forwards or last (with before) to page backwards, not both.");
        }

        var size = first ?? last ?? options.DefaultPageSize;
        if (size > options.MaxPageSize)
        {
            throw GatewayErrors.Create(GatewayErrorCodes.PageSizeExceeded, $"At most {options.MaxPageSize} jobs per page; {size} were asked for.");
        }

        var after = context.GetArgument<string?>("after") is { } a ? cursors.Decode(a, binding, "after") : (int?)null;
        var before = context.GetArgument<string?>("before") is { } b ? cursors.Decode(b, binding, "before") : (int?)null;
        return new PageRequest(first, last, after, before, size);
    }

    /// <summary>The page's range in a list of <paramref name="total"/> items: [start, end).</summary>
    public (int Start, int End) Range(int total)
    {
        var start = After is { } after ? Math.Min(after + 1, total) : 0;
        var end = Before is { } before ? Math.Clamp(before, start, total) : total;
        return Last is not null && First is null
            ? (Math.Max(start, end - Size), end)
            : (start, Math.Min(end, start + Size));
    }
}
