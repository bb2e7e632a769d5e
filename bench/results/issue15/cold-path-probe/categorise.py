# Sorts perf samples of the gateway into where their time went: the first frame from the leaf that matches a
# category below (leaf-most wins), plus the leaf library (GC/runtime, kernel). Usage:
#   perf script -i perf-NAME.data | python3 categorise.py
import sys, re, collections
rules = [
 ("cache:redis", r"StackExchange\.Redis|RedisJobCache"),
 ("cache:memory-level", r"BitFaster|JobCacheTiers|MemoryLevel"),
 ("cache:singleflight", r"SingleFlight"),
 ("cache:keys", r"JobCacheKeys"),
 ("cache:serialize", r"JobCacheJsonContext"),
 ("cache:other", r"DrsGraph\.Gateway\.Caching|ResponseCaching"),
 ("drs:read-json", r"DrsResponseReader|DrsWireJsonContext|LenientObjectConverter|BoundedStringConverter"),
 ("drs:http", r"DrsGraph\.DrsClient|System\.Net\.Http|Polly|Microsoft\.Extensions\.Http"),
 ("map", r"JobMapper|DrsJobDataSource"),
 ("graphql:serialize", r"ExecutionResultJsonConverter|GraphQL\.SystemTextJson"),
 ("graphql:validate/parse", r"GraphQL\.Validation|GraphQLParser|DocumentShape|JobBudgetRule|ListSizes|DocumentLimits"),
 ("dataloader", r"DrsGraph\.Gateway\.DataLoading|BudgetedJobDataSource"),
 ("graphql:execute", r"\[GraphQL\]|GraphQLSchema"),
 ("ratelimit", r"RateLimiting|RequestCost"),
 ("otel", r"OpenTelemetry|DiagnosticSource|Metrics\."),
 ("http-endpoint", r"GraphQLHttp"),
 ("kestrel", r"Kestrel|AspNetCore"),
 ("sockets", r"System\.Net\.Sockets"),
 ("threadpool/async", r"ThreadPool|AsyncTaskMethodBuilder|ExecutionContext|Task::"),
]
rx = [(n, re.compile(p)) for n, p in rules]
counts = collections.Counter(); leafcat = collections.Counter(); total = 0
stack = []
def flush():
    global total
    if not stack: return
    total += 1
    leaf = stack[0]
    if '[kernel' in leaf: lc = 'kernel'
    elif 'libcoreclr' in leaf: lc = 'coreclr(GC/runtime)'
    elif 'libclrjit' in leaf: lc = 'jit'
    else: lc = 'managed/other'
    leafcat[lc] += 1
    for f in stack:
        for n, r in rx:
            if r.search(f):
                counts[n] += 1; return
    counts['unattributed'] += 1
for line in sys.stdin:
    if not line.strip():
        flush(); stack = []; continue
    if line[0] not in ' \t':
        continue
    stack.append(line.strip())
flush()
print("samples", total)
for n, c in counts.most_common(): print(f"{100*c/total:6.1f}% {n}")
print("-- by leaf dso")
for n, c in leafcat.most_common(): print(f"{100*c/total:6.1f}% {n}")
