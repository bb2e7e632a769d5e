using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// Validation with error locations that cost nothing while the errors are made, found afterwards in one pass for the
/// errors answered. GraphQL.NET gives each validation error its line and column as it makes it, by scanning the query
/// text from its first character to the node: a document padded with a long comment and written to fail thousands of
/// times (2 400 undefined variables behind 900 KB) cost 4.9 s of CPU, the same per operation that spreads the fragment
/// holding them. During validation the document's source is empty (every location reads 1:1 at once); before execution,
/// whose errors need the text, it is restored, and the locations of the errors kept for the answer
/// (<see cref="DocumentLimits.MaxValidationErrors"/>) are computed from their nodes, all at once.
/// </summary>
internal sealed class ValidationLocations : DocumentExecutionListenerBase
{
    private readonly GraphQLDocument _document;
    private readonly ROM _source;

    private ValidationLocations(GraphQLDocument document)
    {
        _document = document;
        _source = document.Source;
    }

    /// <summary>Empties <paramref name="document"/>'s source until validation is over; the caller must <see cref="Restore"/> it.</summary>
    public static ValidationLocations Defer(GraphQLDocument document, ExecutionOptions options)
    {
        var deferred = new ValidationLocations(document);
        document.Source = default;
        options.Listeners.Add(deferred);
        return deferred;
    }

    public override Task BeforeExecutionAsync(IExecutionContext context)
    {
        Restore();
        return Task.CompletedTask;
    }

    public void Restore() => _document.Source = _source;

    /// <summary>Gives the validation errors among <paramref name="errors"/> the locations of their nodes in the query text.</summary>
    public void Locate(IEnumerable<ExecutionError> errors)
    {
        List<ValidationError>? located = null;
        foreach (var error in errors)
        {
            if (error is ValidationError validation && validation.Nodes.Any())
            {
                (located ??= []).Add(validation);
            }
        }

        if (located is null)
        {
            return;
        }

        var lines = LineStarts(_source.Span);
        foreach (var error in located)
        {
            error.Locations?.Clear();
            foreach (var node in error.Nodes)
            {
                error.AddLocation(At(lines, node.Location.Start, _source.Length));
            }
        }
    }

    // Where each line starts: a line ends at \n, \r\n or a lone \r, as GraphQL's LineTerminator (and GraphQL.NET's locations).
    private static List<int> LineStarts(ReadOnlySpan<char> text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static Location At(List<int> lineStarts, int position, int length)
    {
        position = Math.Clamp(position, 0, Math.Max(0, length));
        var found = lineStarts.BinarySearch(position);
        var line = found >= 0 ? found : ~found - 1;
        return new Location(line + 1, position - lineStarts[line] + 1);
    }
}
