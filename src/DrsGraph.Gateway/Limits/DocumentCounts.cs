using GraphQLParser.AST;

namespace DrsGraph.Gateway.Limits;

/// <summary>What validation will have to walk, counted in one pass over the parsed document.</summary>
internal readonly record struct DocumentCounts(int Fields, int Directives, int Arguments, int Variables, int Fragments, int InputValues, int LongestNumber)
{
    public static DocumentCounts Of(GraphQLDocument document)
    {
        int fields = 0, directives = 0, arguments = 0, variables = 0, fragments = 0, values = 0, longestNumber = 0;
        foreach (var definition in document.Definitions)
        {
            switch (definition)
            {
                case GraphQLOperationDefinition operation:
                    foreach (var variable in operation.Variables?.Items ?? [])
                    {
                        variables++;
                        Value(variable.DefaultValue);
                        Directives(variable.Directives);
                    }

                    Directives(operation.Directives);
                    Selections(operation.SelectionSet);
                    break;
                case GraphQLFragmentDefinition fragment:
                    fragments++;
                    Directives(fragment.Directives);
                    Selections(fragment.SelectionSet);
                    break;
            }
        }

        return new DocumentCounts(fields, directives, arguments, variables, fragments, values, longestNumber);

        // Recursion is bounded by the parser's depth limit (GraphQLDocumentBuilder.MaxDepth, 128).
        void Selections(GraphQLSelectionSet? set)
        {
            foreach (var selection in set?.Selections ?? [])
            {
                switch (selection)
                {
                    case GraphQLField field:
                        fields++;
                        Arguments(field.Arguments);
                        Directives(field.Directives);
                        Selections(field.SelectionSet);
                        break;
                    case GraphQLInlineFragment inline:
                        fragments++;
                        Directives(inline.Directives);
                        Selections(inline.SelectionSet);
                        break;
                    case GraphQLFragmentSpread spread:
                        fragments++;
                        Directives(spread.Directives);
                        break;
                }
            }
        }

        void Directives(GraphQLDirectives? list)
        {
            foreach (var directive in list?.Items ?? [])
            {
                directives++;
                Arguments(directive.Arguments);
            }
        }

        void Arguments(GraphQLArguments? list)
        {
            foreach (var argument in list?.Items ?? [])
            {
                arguments++;
                Value(argument.Value);
            }
        }

        void Value(GraphQLValue? value)
        {
            switch (value)
            {
                case null:
                    return;
                case GraphQLListValue list:
                    values++;
                    foreach (var item in list.Values ?? [])
                    {
                        Value(item);
                    }

                    break;
                case GraphQLObjectValue inputObject:
                    values++;
                    foreach (var field in inputObject.Fields ?? [])
                    {
                        Value(field.Value);
                    }

                    break;
                case GraphQLIntValue number:
                    values++;
                    longestNumber = Math.Max(longestNumber, number.Value.Length);
                    break;
                case GraphQLFloatValue number:
                    values++;
                    longestNumber = Math.Max(longestNumber, number.Value.Length);
                    break;
                default:
                    values++;
                    break;
            }
        }
    }
}
