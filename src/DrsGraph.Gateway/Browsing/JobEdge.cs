using DrsGraph.Gateway.GraphQLSchema;

namespace DrsGraph.Gateway.Browsing;

public sealed record JobEdge(string Cursor, JobRef Node);
