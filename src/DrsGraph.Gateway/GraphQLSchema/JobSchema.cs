using DrsGraph.Gateway.Subscriptions;
using GraphQL;
using GraphQL.Introspection;
using GraphQL.Resolvers;
using GraphQL.Types;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.GraphQLSchema;

/// <summary>The DrsGraph schema.</summary>
public sealed class JobSchema : Schema
{
    public JobSchema(IServiceProvider services, JobsQuery query, JobsSubscription subscription) : base(services)
    {
        Query = query;
        Subscription = subscription;
        Description = "DrsGraph: DRS replication jobs in GraphQL.";
        // __Directive.isRepeatable is in the October 2021 spec; graphql-js asks for it when told the server has it
        // (getIntrospectionQuery({ directiveIsRepeatable: true })), and fails validation without it.
        Features.RepeatableDirectives = true;
        // The same for __Field.args(includeDeprecated:), __Type.inputFields(includeDeprecated:) and
        // __InputValue.isDeprecated / deprecationReason (getIntrospectionQuery({ inputValueDeprecation: true })).
        Features.DeprecationOfInputValues = true;
        // @specifiedBy (October 2021 spec) must exist where SDL shows custom scalars. None of ours applies it today:
        // DateTime and Long are described in words, and a scalar that points to a specification applies it.
        Directives.Register(new SpecifiedByDirective());
        // __type(name: "") threw from GraphQL.NET's lookup (an Error line with a stack trace per alias, and a resolver
        // error for the caller); a name no type has is null, as the spec says, empty included.
        TypeMetaFieldType.Resolver = new FuncFieldResolver<object>(static context =>
            context.GetArgument<string>("name") is { Length: > 0 } name ? context.Schema.AllTypes[name] : null);
    }

    /// <summary>
    /// Completes GraphQL.NET 8's introspection types where the spec has moved on, so graphql-js's
    /// <c>getIntrospectionQuery</c> with every option (what IDEs and code generators send) validates:
    /// <list type="bullet">
    /// <item><c>__Type.specifiedByURL</c> (October 2021 spec): the URL of a scalar's <c>@specifiedBy</c>, null for
    /// every other type (<c>specifiedByUrl: true</c>).</item>
    /// <item><c>__Directive.args(includeDeprecated:)</c>, which GraphQL.NET gives fields but not directives even with
    /// <c>Features.DeprecationOfInputValues</c> on (<c>inputValueDeprecation: true</c>).</item>
    /// </list>
    /// </summary>
    protected override void OnBeforeInitializeType(IGraphType graphType)
    {
        switch (graphType)
        {
            case __Type type when !type.HasField("specifiedByURL"):
                type.Field<StringGraphType>("specifiedByURL")
                    .Description("A URL pointing to the specification of this scalar's behaviour (custom scalars only).")
                    .Resolve(context => context.Source is ScalarGraphType scalar
                        ? scalar.FindAppliedDirective("specifiedBy")?.FindArgument("url")?.Value as string
                        : null);
                break;
            case __Directive directive when directive.GetField("args") is { } args && args.Arguments?.Find("includeDeprecated") is null:
                args.Arguments ??= [];
                args.Arguments.Add(new QueryArgument<BooleanGraphType> { Name = "includeDeprecated", DefaultValue = false });
                args.Resolver = new FuncFieldResolver<Directive, object>(context =>
                {
                    var includeDeprecated = context.GetArgument("includeDeprecated", false);
                    return (context.Source.Arguments ?? []).Where(argument => includeDeprecated || string.IsNullOrWhiteSpace(argument.DeprecationReason)).ToList();
                });
                break;
        }
    }
}

/// <summary>The spec's <c>@specifiedBy(url:)</c> for custom scalars, which GraphQL.NET 8 does not define.</summary>
public sealed class SpecifiedByDirective : Directive
{
    public SpecifiedByDirective() : base("specifiedBy", DirectiveLocation.Scalar)
    {
        Description = "Exposes a URL that specifies the behaviour of this scalar.";
        Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>>
        {
            Name = "url",
            Description = "The URL that specifies the behaviour of this scalar.",
        });
    }

    /// <summary>GraphQL.NET hides directives with only type system locations from introspection unless told otherwise.</summary>
    public override bool? Introspectable => true;
}
