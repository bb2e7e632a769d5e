using DrsGraph.Gateway.GraphQLSchema;

namespace DrsGraph.Gateway.Browsing;

/// <summary>One page of a Relay connection of jobs.</summary>
public sealed record JobConnection(IReadOnlyList<JobEdge> Edges, PageInfo PageInfo, int TotalCount)
{
    public IEnumerable<JobRef> Nodes => Edges.Select(e => e.Node);
}
