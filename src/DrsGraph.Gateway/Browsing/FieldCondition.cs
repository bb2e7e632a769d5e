using System.Collections;

namespace DrsGraph.Gateway.Browsing;

/// <summary>One operation of an operation filter input (<c>status: { in: [...] }</c>), evaluated as HotChocolate does in memory.</summary>
public sealed record FieldCondition(BrowseField Field, string Operation, object? Operand)
{
    public bool Matches(JobFacts job)
    {
        var value = Field.Read(job);
        return Operation switch
        {
            // HotChocolate's list operations, over the tags (a job without detail has none).
            "some" => Tags(value).Any(((TagFilter)Operand!).Matches),
            "all" => Tags(value).All(((TagFilter)Operand!).Matches),
            "none" => !Tags(value).Any(((TagFilter)Operand!).Matches),
            "any" => Tags(value).Count > 0 == (bool)Operand!,
            "eq" => Equal(value, Operand),
            "neq" => !Equal(value, Operand),
            "in" => Items().Any(item => Equal(value, item)),
            "nin" => !Items().Any(item => Equal(value, item)),
            "gt" => Compare(value) > 0,
            "ngt" => !(Compare(value) > 0),
            "gte" => Compare(value) >= 0,
            "ngte" => !(Compare(value) >= 0),
            "lt" => Compare(value) < 0,
            "nlt" => !(Compare(value) < 0),
            "lte" => Compare(value) <= 0,
            "nlte" => !(Compare(value) <= 0),
            "contains" => Text(value, (v, o) => v.Contains(o, StringComparison.Ordinal)),
            "ncontains" => !Text(value, (v, o) => v.Contains(o, StringComparison.Ordinal)),
            "startsWith" => Text(value, (v, o) => v.StartsWith(o, StringComparison.Ordinal)),
            "nstartsWith" => !Text(value, (v, o) => v.StartsWith(o, StringComparison.Ordinal)),
            "endsWith" => Text(value, (v, o) => v.EndsWith(o, StringComparison.Ordinal)),
            "nendsWith" => !Text(value, (v, o) => v.EndsWith(o, StringComparison.Ordinal)),
            _ => throw new InvalidOperationException($"Unknown filter operation '{Operation}'."),
        };
    }

    /// <summary>Orders two field values: nulls after every value, whatever the direction (applied by the caller).</summary>
    public static int CompareValues(object? left, object? right) => (left, right) switch
    {
        (null, null) => 0,
        (null, _) => 1,
        (_, null) => -1,
        (string a, string b) => string.CompareOrdinal(a, b),
        (int a, double b) => ((double)a).CompareTo(b),
        (double a, int b) => a.CompareTo(b),
        (IComparable a, _) => a.CompareTo(right),
        _ => 0,
    };

    private static bool Equal(object? value, object? operand) =>
        value is null || operand is null ? value is null && operand is null : CompareValues(value, Normalize(operand)) == 0;

    // Nulls never compare (HotChocolate's gt/lt on a null field are false), so the negations are true.
    private int? Compare(object? value) => value is null || Operand is null ? null : CompareValues(value, Normalize(Operand));

    private static IReadOnlyList<Jobs.Tag> Tags(object? value) => value as IReadOnlyList<Jobs.Tag> ?? [];

    private bool Text(object? value, Func<string, string, bool> test) => value is string text && Operand is string operand && test(text, operand);

    private IEnumerable<object?> Items() => Operand is IEnumerable items and not string ? items.Cast<object?>().Select(Normalize) : [];

    private static object? Normalize(object? operand) => operand is DateTime time
        ? time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc)
        : operand;
}
