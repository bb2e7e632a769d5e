using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Http.Resilience;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// Finds keys under the gateway's own sections (<c>Gateway</c>, <c>Drs</c>, <c>GraphQL</c>, <c>Emulator</c>) that no
/// setting reads. The binder ignores them, so a misspelt key (<c>Gateway:Chache:Enabled=false</c>,
/// <c>Drs:Endpiont=...</c>) silently left the default in force: in Development the emulator's invented jobs instead of
/// the intended DRS. The known keys come from the bound options types by reflection, as the binder sees them
/// (case-insensitive, nested objects, dictionaries keyed by a name, lists by an index), so a new setting is known
/// without being listed here; only keys read directly from the configuration are listed. A section one letter (or
/// one swap of two letters) away from one of ours (<c>Dsr:Endpoint</c>, <c>Gatway:...</c>) is refused too: left
/// alone it would leave the whole section's defaults in force.
/// </summary>
public static class UnknownSettings
{
    /// <summary>The sections that are ours; keys elsewhere (Logging, Kestrel, ConnectionStrings, urls) are not checked.</summary>
    public static readonly IReadOnlyList<string> OwnSections = ["Gateway", "Drs", "GraphQL", "Emulator"];

    /// <summary>
    /// Sections a key one letter away from is refused: ours, and ConnectionStrings (whose Redis entry the gateway reads;
    /// <c>ConnectionString:Redis</c> ran without Redis without a word).
    /// </summary>
    private static readonly string[] NearMissSections = [.. OwnSections, "ConnectionStrings"];

    /// <summary>
    /// Documented former names still read (<see cref="Limits.QueryLimitOptions.LegacyMaxIdsPerFieldKey"/>), each with the
    /// key that replaced it; a refusal that blames the new key names the old one when only the old one is set.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> LegacyAliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [Limits.QueryLimitOptions.LegacyMaxIdsPerFieldKey] = $"{Limits.QueryLimitOptions.SectionName}:{nameof(Limits.QueryLimitOptions.MaxIdsPerField)}",
    };

    /// <summary>A segment that stands for any name or index (a dictionary's key, a list's position).</summary>
    private const string Any = "*";

    /// <summary>
    /// Keys read straight from the configuration (IConfiguration[...], GetValue) before the options exist; bound as well
    /// today, listed so they stay known should their binding go.
    /// </summary>
    private static readonly string[] ReadDirectly =
    [
        Upstream.EmbeddedEmulatorOptions.EnabledSetting,
        ServiceIdentity.ServiceIdentityOptions.EnabledSetting,
    ];

    private static readonly Lazy<Node> Known = new(Build);

    /// <summary>
    /// One line per key of <paramref name="configuration"/> under our sections that no setting reads, naming the key
    /// (never its value, which may be a secret) and the closest known key when one is close.
    /// </summary>
    public static IReadOnlyList<string> Find(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Find(configuration.AsEnumerable().Where(pair => pair.Value is not null).Select(pair => pair.Key));
    }

    /// <summary>As <see cref="Find(IConfiguration)"/>, for bare keys (<c>Gateway:Cache:Enabled</c>).</summary>
    public static IReadOnlyList<string> Find(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var lines = new List<string>();
        foreach (var key in keys.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase))
        {
            var segments = key.Split(':');
            if (!OwnSections.Contains(segments[0], StringComparer.OrdinalIgnoreCase))
            {
                // Only a section with keys below it: a bare name (an environment variable such as PATH) is not one.
                if (segments.Length > 1 && NearMissSections.FirstOrDefault(own => Distance(own.ToUpperInvariant(), segments[0].ToUpperInvariant()) == 1) is { } meant)
                {
                    lines.Add($"{key} is not a setting of the gateway (did you mean {string.Join(':', segments[1..].Prepend(meant))}?): a section named one letter away from {meant}: is refused rather than ignored.");
                }

                continue;
            }

            // Walk as far as the key is known; a key that stops at a known node (a section given a value) is the
            // binder's or a validator's to refuse, not an unknown name.
            var node = Known.Value;
            var depth = 0;
            while (depth < segments.Length && node.Child(segments[depth]) is { } next)
            {
                node = next;
                depth++;
            }

            if (depth == segments.Length)
            {
                continue;
            }

            var suggestion = node.Closest(segments[depth]) is { } close
                ? $" (did you mean {string.Join(':', segments[..depth].Append(close).Concat(segments[(depth + 1)..]))}?)"
                : "";
            lines.Add($"{key} is not a setting of the gateway{suggestion}: a misspelt or unknown key under {segments[0]}: is refused rather than ignored.");
        }

        return lines;
    }

    private static Node Build()
    {
        var root = new Node();
        var assemblies = new[] { typeof(UnknownSettings).Assembly, typeof(DrsGraph.DrsClient.DrsClientOptions).Assembly, typeof(DrsGraph.Emulator.EmulatorOptions).Assembly };
        foreach (var type in assemblies.SelectMany(assembly => assembly.GetTypes()))
        {
            // Every options class says where it is bound (SectionName); those outside our sections (Logging:Console) are skipped.
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() is string section
                && OwnSections.Contains(section.Split(':')[0], StringComparer.OrdinalIgnoreCase))
            {
                AddType(root.Path(section), type, 0);
            }
        }

        // The DRS client's resilience pipeline binds Microsoft's options type, which carries no SectionName of ours.
        AddType(root.Path(DrsGraph.DrsClient.DrsResilienceDefaults.SectionName), typeof(HttpStandardResilienceOptions), 0);
        foreach (var key in ReadDirectly.Concat(LegacyAliases.Keys))
        {
            root.Path(key);
        }

        return root;
    }

    /// <summary>Adds what the binder would set on <paramref name="type"/> below <paramref name="node"/>.</summary>
    private static void AddType(Node node, Type type, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (depth > 8 || IsValue(type) || typeof(Delegate).IsAssignableFrom(type))
        {
            return;
        }

        if (ElementOf(type) is { } element)
        {
            AddType(node.Path(Any), element, depth + 1);
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // Settable, or a get-only object or collection the binder fills in place.
            if (property.GetIndexParameters().Length == 0 && property.GetMethod is { IsPublic: true }
                && (property.SetMethod is { IsPublic: true } || !IsValue(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType))
                && !typeof(Delegate).IsAssignableFrom(property.PropertyType))
            {
                AddType(node.Path(property.Name), property.PropertyType, depth + 1);
            }
        }
    }

    /// <summary>A type the binder sets from one string, as it decides: a converter from string.</summary>
    private static bool IsValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(object) || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    /// <summary>The value type of a dictionary, or the element type of an array or list; null for anything else.</summary>
    private static Type? ElementOf(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        var interfaces = type.IsInterface ? type.GetInterfaces().Append(type) : type.GetInterfaces();
        var generic = interfaces.Where(i => i.IsGenericType).ToList();
        if (generic.FirstOrDefault(i => i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)) is { } dictionary)
        {
            return dictionary.GetGenericArguments()[1];
        }

        return generic.FirstOrDefault(i => i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0] ?? typeof(object);
    }

    /// <summary>One known key segment and what may follow it, names compared as the binder does (ignoring case).</summary>
    private sealed class Node
    {
        private readonly Dictionary<string, Node> _children = new(StringComparer.OrdinalIgnoreCase);

        public Node Path(string key)
        {
            var node = this;
            foreach (var segment in key.Split(':'))
            {
                if (!node._children.TryGetValue(segment, out var next))
                {
                    next = new Node();
                    node._children[segment] = next;
                }

                node = next;
            }

            return node;
        }

        public Node? Child(string segment) =>
            _children.TryGetValue(segment, out var child) ? child : _children.GetValueOrDefault(Any);

        /// <summary>The known name nearest <paramref name="segment"/> by edit distance, when it is close (a third of its length).</summary>
        public string? Closest(string segment) =>
            _children.Keys.Where(name => name != Any)
                .Select(name => (Name: name, Distance: Distance(name.ToUpperInvariant(), segment.ToUpperInvariant())))
                .Where(candidate => candidate.Distance <= Math.Max(2, segment.Length / 3))
                .OrderBy(candidate => candidate.Distance).ThenBy(candidate => candidate.Name, StringComparer.Ordinal)
                .Select(candidate => candidate.Name)
                .FirstOrDefault();
    }

    /// <summary>Edits (insert, delete, replace, or swap two neighbouring letters) between two names.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i, j - 1] + 1, d[i - 1, j] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
