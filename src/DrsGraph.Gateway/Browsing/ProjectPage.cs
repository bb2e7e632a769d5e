using DrsGraph.DrsClient;
using GraphQL;

namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// The page of a project's jobs that the arguments of <c>projectJobs</c> (and of <c>projectJobsUpdates</c>, which
/// watches it) name: the filter, the order (newest first among ties), the page's bounds and the cursor binding.
/// Read in one place so the two fields cannot drift apart: a cursor of either pages the other.
/// </summary>
public sealed record ProjectPage(JobFilter Filter, JobOrder Order, PageRequest Request, byte[] Binding)
{
    /// <summary>What tells one page from another of the same caller (subscriptions of equal keys share one poller).</summary>
    public string Key { get; } = $"{Convert.ToHexString(Binding)}|{Request.First}|{Request.Last}|{Request.After}|{Request.Before}|{Request.Size}";

    /// <summary>Reads and checks the field's arguments (<c>INVALID_CURSOR</c>, paging and filter errors, in that order).</summary>
    public static ProjectPage Read(IResolveFieldContext context, DrsCaller caller, JobBrowser browser)
    {
        var (where, order) = (context.GetArgument<object?>("where"), BrowseArguments.Order(context));
        // Bound to the order as applied (precedence as written), not to the coerced objects (schema order).
        var binding = BrowseCursors.Bind("projectJobs", JobBrowsingFields.CursorScopeOf(caller), where, BrowseArguments.Binding(order), null);
        var request = PageRequest.Read(context, browser.Options, browser.Cursors, binding);
        return new ProjectPage(BrowseArguments.Filter(where), order.ThenNewestFirst(), request, binding);
    }
}
