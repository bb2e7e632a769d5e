using System.Globalization;
using System.Text;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>Small requests that ask for huge answers or huge validation work (issue 12, items 1 and 2).</summary>
internal static class Amplifiers
{
    /// <summary>
    /// graphql-js's <c>getIntrospectionQuery</c> (v16) with every option: descriptions, the schema's description,
    /// <c>specifiedByURL</c>, <c>isOneOf</c>, <c>isRepeatable</c> and input value deprecation.
    /// <c>ofType</c> is nested 9 deep, as in graphql-js 17 and Banana Cake Pop.
    /// </summary>
    public const string IdeIntrospectionQuery = """
        query IntrospectionQuery {
          __schema {
            description
            queryType { name kind }
            mutationType { name kind }
            subscriptionType { name kind }
            types {
              ...FullType
            }
            directives {
              name
              description
              isRepeatable
              locations
              args(includeDeprecated: true) {
                ...InputValue
              }
            }
          }
        }

        fragment FullType on __Type {
          kind
          name
          description
          specifiedByURL
          isOneOf
          fields(includeDeprecated: true) {
            name
            description
            args(includeDeprecated: true) {
              ...InputValue
            }
            type {
              ...TypeRef
            }
            isDeprecated
            deprecationReason
          }
          inputFields(includeDeprecated: true) {
            ...InputValue
          }
          interfaces {
            ...TypeRef
          }
          enumValues(includeDeprecated: true) {
            name
            description
            isDeprecated
            deprecationReason
          }
          possibleTypes {
            ...TypeRef
          }
        }

        fragment InputValue on __InputValue {
          name
          description
          type { ...TypeRef }
          defaultValue
          isDeprecated
          deprecationReason
        }

        fragment TypeRef on __Type {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                    ofType {
                      kind
                      name
                      ofType {
                        kind
                        name
                        ofType {
                          kind
                          name
                          ofType {
                            kind
                            name
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
        """;

    /// <summary>
    /// The 42 MB attack: each fragment asks the fields of the types of the fields (and of their arguments)
    /// of the level above; ~1 KB of text, an answer that multiplies by every type's fields per level.
    /// </summary>
    public static string IntrospectionBomb(int levels = 6)
    {
        var text = new StringBuilder("{ __schema { types { ...F1 } } }");
        for (var i = 1; i < levels; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $" fragment F{i} on __Type {{ name kind fields {{ name args {{ name type {{ ...F{i + 1} }} }} type {{ ...F{i + 1} }} }} }}");
        }

        return text.Append(CultureInfo.InvariantCulture, $" fragment F{levels} on __Type {{ name kind }}").ToString();
    }

    /// <summary>Introspection that never recurses into a list, but doubles its (estimated) width with every fragment level.</summary>
    public static string IntrospectionWidthBomb(int levels = 20)
    {
        var text = new StringBuilder("{ __schema { types { fields { type { ...W").Append(levels).Append(" } } } } } fragment W0 on __Type { name }");
        for (var i = 1; i <= levels; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $" fragment W{i} on __Type {{ ...W{i - 1} ...W{i - 1} }}");
        }

        return text.ToString();
    }

    /// <summary><c>__Type.ofType</c> nested <paramref name="depth"/> deep, one fragment per level (the rule must follow them).</summary>
    public static string DeepOfType(int depth)
    {
        var text = new StringBuilder("{ __type(name: \"Job\") { ...T1 } }");
        for (var i = 1; i < depth; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $" fragment T{i} on __Type {{ name ofType {{ ...T{i + 1} }} }}");
        }

        return text.Append(CultureInfo.InvariantCulture, $" fragment T{depth} on __Type {{ name ofType {{ name }} }}").ToString();
    }

    /// <summary><c>fields { type { fields } }</c> written inline, no fragment: the list recursion limit, plain.</summary>
    public const string FieldsInsideFields = "{ __type(name: \"Job\") { fields { type { fields { name } } } } }";

    /// <summary><c>interfaces { possibleTypes { interfaces } }</c>: the limit counts each list on its own.</summary>
    public const string InterfacesInsideInterfaces = "{ __schema { types { interfaces { possibleTypes { interfaces { name } } } } } }";

    public static string Directives(int count) => "{ __typename" + string.Concat(Enumerable.Repeat(" @include(if: true)", count)) + " }";

    public static string UnusedVariables(int count) =>
        "query(" + string.Join(", ", Enumerable.Range(0, count).Select(i => $"$v{i}: Int")) + ") { __typename }";

    public static string UnknownArguments(int count) =>
        "{ __type(name: \"Job\"" + string.Concat(Enumerable.Range(0, count).Select(i => $", a{i}: 1")) + ") { name } }";

    public static string FragmentSpreads(int count) =>
        "{ __schema { queryType { " + string.Concat(Enumerable.Repeat("...F ", count)) + "} } } fragment F on __Type { name }";

    /// <summary>An input object literal repeating one field: 100 000 of them cost 20 s of validation.</summary>
    public static string RepeatedInputFields(int count) =>
        "{ __type(name: \"Job\", x: {" + string.Join(",", Enumerable.Repeat(" a: 1", count)) + " }) { name } }";

    public static string ListLiteral(int count) =>
        "{ __type(name: \"Job\", x: [" + string.Join(",", Enumerable.Repeat("1", count)) + "]) { name } }";

    /// <summary>Fragment definitions nobody spreads: each costs an error, 4900 of them 0.8 MB of answer.</summary>
    public static string UnusedFragments(int count) =>
        "{ __typename } " + string.Concat(Enumerable.Range(0, count).Select(i => $"fragment F{i} on __Type {{ name }} "));
}
