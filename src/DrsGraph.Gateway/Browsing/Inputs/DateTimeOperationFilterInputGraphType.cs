using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

public sealed class DateTimeOperationFilterInputGraphType() : ComparableOperationFilterInputGraphType<DateTimeGraphType>("DateTimeOperationFilterInput");
