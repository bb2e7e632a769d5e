using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// How much one request may ask for, every limit in one section, bound from <c>Gateway:Limits</c>: the size of
/// the parsed document (checked before validation), the jobs it references, its depth, and the estimated size
/// of its answer. Each is refused with its own code of <see cref="Errors.GatewayErrorCodes"/>.
/// </summary>
public sealed class QueryLimitOptions
{
    public const string SectionName = "Gateway:Limits";

    /// <summary>
    /// Where <see cref="MaxIdsPerField"/> lived before every limit moved to <c>Gateway:Limits</c>. Still read,
    /// so existing deployments keep their setting; <c>Gateway:Limits:MaxIdsPerField</c> wins when both are set.
    /// </summary>
    public const string LegacyMaxIdsPerFieldKey = "Gateway:Jobs:MaxIdsPerField";

    /// <summary>Most IDs one <c>jobs(ids:)</c> field accepts. Default 500 (five DRS calls per endpoint).</summary>
    [Range(1, 10_000)]
    public int MaxIdsPerField { get; set; } = 500;

    /// <summary>
    /// Job references per operation: each field that loads jobs counts the IDs it names (one for <c>job</c>,
    /// the length of the list for <c>jobs</c>), across aliases and fragments. Default 1000 (ten batch calls
    /// of 100 per endpoint).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxJobReferences { get; set; } = 1000;

    /// <summary>Distinct job IDs per operation. Default 500.</summary>
    [Range(1, 100_000)]
    public int MaxDistinctJobIds { get; set; } = 500;

    /// <summary>Deepest selection allowed. Default 15: our data is 4 deep; introspection (the IDE's) needs about 13.</summary>
    [Range(2, 100)]
    public int MaxDepth { get; set; } = 15;

    /// <summary>
    /// Field nodes in the document as written (aliases and fragment bodies included). Default 5000: our
    /// largest real query has about 200, the IDE's introspection about 150. Checked before validation
    /// because validation itself is quadratic in same-named fields (overlap checks): 100 000 copies of
    /// <c>id</c> in a 1 MB body would keep a core busy for minutes.
    /// </summary>
    [Range(10, 1_000_000)]
    public int MaxFieldNodes { get; set; } = 5000;

    /// <summary>
    /// Fields that may share one response name in one selection set, counted where fragments and inline
    /// fragments land and with same-named parents' selections merged (<c>a: job { s: status } a: job { s: phase }</c>
    /// puts two under <c>a.s</c>). Copies of one plain leaf (the same field of the same type, no arguments,
    /// directives or selections: Relay's <c>id</c>, Apollo's <c>__typename</c> in every fragment) count once when they are all
    /// that answers under the name; they are bounded by <see cref="MaxIdenticalLeafPairs"/> instead. Default 20.
    /// Validation's merge check compares such fields pair by pair and reports every conflicting pair:
    /// 1200 fields alternating <c>s: status s: phase</c> cost 23 s, 1 GB and 360 000 errors before this limit.
    /// </summary>
    [Range(2, 10_000)]
    public int MaxFieldsPerResponseName { get; set; } = 20;

    /// <summary>
    /// Pairs of copies of one plain leaf under one response name (n copies make n(n-1)/2; counted as for
    /// <see cref="MaxFieldsPerResponseName"/>, summed over the document), which count once there. Default 20 000:
    /// 70 fragments spread into one set, each adding <c>id</c> and <c>__typename</c>, make 4830; 200 copies of one
    /// field 19 900. They never conflict, but the merge check still compares them pair by pair (4900 copies of
    /// <c>id</c> cost 0.5 s of validation), and each pair of same-named parents compares all their selections again.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxIdenticalLeafPairs { get; set; } = 20_000;

    /// <summary>
    /// Pairs of fields sharing a response name, over the whole document (n such fields make n(n-1)/2 pairs;
    /// counted as for <see cref="MaxFieldsPerResponseName"/>, copies of one plain leaf once). Default 2000: 20 fields under one name, the most allowed, make 190.
    /// The merge check compares each pair and reports each conflicting one, and locating an error scans the
    /// query text: 240 names of 20 conflicting fields each (24 000 errors) cost 5 s.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxSameNameFieldPairs { get; set; } = 2000;

    /// <summary>
    /// Estimated fields in the answer, for the whole HTTP request (a batch counts the sum of its operations):
    /// every field times the items of the lists above it (the length of <c>jobs(ids:)</c>, introspection's
    /// real list sizes for this schema), fragments expanded. Default 250 000: every field of 500 jobs is about
    /// 75 000, the IDE's full introspection query about 186 000 with the browsing types (its lists counted at their longest; a type's field arguments bounded together, see ListSizes). Stops a small query that aliases <c>detail</c>
    /// a thousand times under 500 jobs, or nests fragments over introspection, from building a gigabyte answer.
    /// </summary>
    [Range(100, 100_000_000)]
    public int MaxResultFields { get; set; } = 250_000;

    /// <summary>
    /// Field errors listed in one operation's answer. Default 5000: every field of 500 jobs failing at once is a few
    /// thousand. Past it the fields are still null and one <c>TOO_MANY_ERRORS</c> error says how many were left out: a
    /// 40 KB query asking 400 aliases of 500 unknown jobs made 200 000 errors (60 MB of JSON, 900 MB of memory).
    /// </summary>
    [Range(10, 1_000_000)]
    public int MaxErrors { get; set; } = 5000;

    /// <summary>
    /// Estimated answer fields (as <see cref="MaxResultFields"/> counts them) of all operations executing at once in the
    /// process. Default 250 000: one operation as large as a request may be, or hundreds of ordinary ones. Executing
    /// costs about 1 KB of memory per field at its peak, so this bounds what large operations hold together (size it to
    /// the container: 250 000 fits the shipped 512Mi). An operation that does not fit waits, in arrival order, within
    /// its request's <c>Gateway:RequestTimeout</c> (a WebSocket's operation: 10 s), then gets <c>SERVER_BUSY</c>.
    /// </summary>
    [Range(1000, 1_000_000_000)]
    public int MaxResultFieldsInFlight { get; set; } = 250_000;

    /// <summary>
    /// Connections the replica holds at once, WebSockets and event streams included; past it a new connection is closed
    /// as it is accepted (<see cref="ConnectionCeiling"/>). Unset (the default): all but an eighth of the process's
    /// open-file limit, at least 512 left for the process's own files, at most half (17 500 under a limit of 20 000,
    /// 512 under 1 024), or a quarter of the runtime's memory limit at 8 KiB a connection when that is fewer (12 288 in a
    /// 512 MiB container); 10 000 where neither can be read. Every connection holds a file descriptor, and a process out
    /// of them fails in ways it does not recover from.
    /// </summary>
    [Range(1, 100_000_000)]
    public int? MaxConnections { get; set; }

    /// <summary>
    /// Directives in the document (<c>@include</c>, <c>@skip</c>, unknown ones). Default 200: real queries use a
    /// handful. Validation walks every directive of a field against every other (40 000 repeated
    /// <c>@include(if: true)</c> cost 12 s of CPU), so they are counted before it runs.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxDirectives { get; set; } = 200;

    /// <summary>
    /// Arguments in the document, of fields and directives. Default 1500: a query may name up to
    /// <c>MaxJobReferences</c> (1000) jobs one <c>job(id:)</c> at a time. Validating unknown arguments grows
    /// faster than their number: 1500 on one field cost about 25 ms, 40 000 cost 2.3 s.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxArguments { get; set; } = 1500;

    /// <summary>Variable definitions in the document. Default 100: real queries declare a few. 40 000 unused ones cost 2.9 s to validate.</summary>
    [Range(1, 1_000_000)]
    public int MaxVariables { get; set; } = 100;

    /// <summary>
    /// Fragment definitions, spreads and inline fragments in the document. Default 1000: the IDE's introspection
    /// query has 12. Field counts do not see spreads, and validation compares the fields each one brings with its
    /// neighbours'; 4900 unused or same-named fragment definitions answered 0.8 to 1.7 MB of errors.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxFragments { get; set; } = 1000;

    /// <summary>
    /// Comparisons of fragments validation's merge check makes, summed over the document's selection sets (same-named
    /// parents' selections merged; each fragment definition is a set of its own): each fragment landing in a set
    /// (spread there, or by a fragment spread there) counts 1, compared with the set's fields; each fragment spread
    /// in a set counts the fragments landed there before it times those it brings, compared pair by pair. k fragments
    /// spread side by side make k + k(k-1)/2. Default 3000: 71 fragments in one set make 2556; 40 aliased jobs each
    /// spreading a fragment that spreads 10 more, about 500; the IDE's introspection query about 15. The check
    /// compares fragments even when they share no response name, and looks each up by a scan of the document's
    /// definitions: 499 fragments spread into one set (within <see cref="MaxFragments"/>) cost 0.4 to 0.7 s of CPU,
    /// a chain of 499 fragments each spreading the next 0.3 s; 100 fragments beside 790 unused definitions 50 to 70 ms.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxFragmentComparisons { get; set; } = 3000;

    /// <summary>
    /// Values written in the document's arguments and variable defaults: every scalar, list item and input
    /// object field, nested ones included. Default 2500: 1000 job IDs, one <c>job(id:)</c> or <c>ids</c> item
    /// each, fit with room to spare. An input object literal repeating one field 100 000 times (500 KB) cost
    /// 20 s of validation CPU; a list literal of 300 000 items 0.4 s.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxInputValues { get; set; } = 2500;

    /// <summary>
    /// Times one path may pass through each of introspection's recursive lists (<c>__Type.fields</c>,
    /// <c>inputFields</c>, <c>interfaces</c>, <c>possibleTypes</c>), fragments followed. Default 1, as
    /// HotChocolate's <c>MaxAllowedListRecursiveDepth</c>: IDEs ask each once; asking
    /// <c>fields { type { fields ... } }</c> is how a 1 KB query asked for 42 MB.
    /// </summary>
    [Range(1, 100)]
    public int MaxIntrospectionListRecursion { get; set; } = 1;

    /// <summary>
    /// Nested <c>__Type.ofType</c> on one path, fragments followed. Default 16, as HotChocolate's
    /// <c>MaxAllowedOfTypeDepth</c>: graphql-js's introspection query nests it 9 deep, enough for <c>[[[T!]!]!]!</c>.
    /// </summary>
    [Range(1, 100)]
    public int MaxIntrospectionOfTypeDepth { get; set; } = 16;

    /// <summary>
    /// Budget of the cache of parsed, validated documents, in megabytes of estimated size (about 16 bytes per
    /// character of query text). Default 8: thousands of typical queries. 0 turns it off: every request is
    /// parsed and fully validated. See <c>ValidatedDocumentCache</c>.
    /// </summary>
    [Range(0, 1024)]
    public int ValidatedDocumentCacheMegabytes { get; set; } = 8;
}
