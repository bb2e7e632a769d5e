using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>Persisted operations, bound from <c>Gateway:PersistedOperations</c>: automatic persisted queries and trusted documents.</summary>
public sealed class PersistedOperationsOptions : IValidatableObject
{
    public const string SectionName = "Gateway:PersistedOperations";

    /// <summary>
    /// Default true: clients may send <c>extensions.persistedQuery</c> (Apollo's automatic persisted queries). False
    /// answers such requests with <c>PERSISTED_QUERY_NOT_SUPPORTED</c>, on which Apollo Client stops hashing.
    /// </summary>
    public bool EnableAutomatic { get; set; } = true;

    /// <summary>Default 10 000: documents kept in process memory, least recently used dropped first.</summary>
    [Range(1, 1_000_000)]
    public int MaxMemoryEntries { get; set; } = 10_000;

    /// <summary>
    /// Default 16: megabytes the documents kept in process memory may hold (UTF-16, two bytes a character), least
    /// recently used dropped first. With <see cref="MaxMemoryEntries"/> it bounds the store: frontends' documents are a
    /// few KB, so 16 MB keeps thousands, and a client registering large documents cannot grow the process past it.
    /// </summary>
    [Range(1, 4096)]
    public int MaxMemoryMegabytes { get; set; } = 16;

    /// <summary>
    /// Default 65 536: the longest text (in characters) registered by hash. A longer one still runs when sent, but is
    /// not stored. Only a text that parses and validates as an operation of the schema is stored.
    /// </summary>
    [Range(1, 1_048_576)]
    public int MaxStoredDocumentLength { get; set; } = 65_536;

    /// <summary>
    /// Default 4 096: kilobytes of new document text (1 KB per 1 024 characters, at least 1 per document) one caller may
    /// register per hour on a replica; past it a document runs but is not stored. 0: no limit. A frontend's operations
    /// are a few hundred KB, registered once; the quota bounds what one token can write into Redis for <see cref="RedisTtl"/>.
    /// </summary>
    [Range(0, 1_048_576)]
    public int RegistrationKilobytesPerCallerPerHour { get; set; } = 4_096;

    /// <summary>
    /// Default 32 768: the same for one client address (IPv6 by /64, as the rate limiter counts it), whatever the token, so
    /// a client rotating tokens is bounded too. Never below <see cref="RegistrationKilobytesPerCallerPerHour"/>
    /// (<see cref="EffectiveRegistrationKilobytesPerAddressPerHour"/>). 0: no limit.
    /// </summary>
    [Range(0, 1_048_576)]
    public int RegistrationKilobytesPerAddressPerHour { get; set; } = 32_768;

    /// <summary>
    /// <see cref="RegistrationKilobytesPerAddressPerHour"/>, raised to the caller's allowance when that is larger (one caller
    /// alone may always use its own); 0 (no limit) when either is 0.
    /// </summary>
    public int EffectiveRegistrationKilobytesPerAddressPerHour =>
        RegistrationKilobytesPerAddressPerHour == 0 || RegistrationKilobytesPerCallerPerHour == 0
            ? 0
            : Math.Max(RegistrationKilobytesPerAddressPerHour, RegistrationKilobytesPerCallerPerHour);

    /// <summary>Default 7 days: how long a document registered in Redis lives there (each registration renews it).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan RedisTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Default 250 ms: how long a Redis read or write may take before the store answers without Redis.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Default none: a folder of <c>&lt;id&gt;.graphql</c> files, each a trusted document requested by its id.</summary>
    public string? TrustedDocumentsFolder { get; set; }

    /// <summary>Default none: a JSON manifest of trusted documents, an object of id to document text (Relay's and HotChocolate's format).</summary>
    public string? TrustedDocumentsManifest { get; set; }

    /// <summary>
    /// Default false. True runs only trusted documents (by id, by their SHA-256 hash, or their exact text):
    /// anything else is refused with <c>OPERATION_NOT_TRUSTED</c>, and automatic persisted queries register nothing.
    /// </summary>
    public bool OnlyTrustedDocuments { get; set; }

    /// <summary>
    /// Default false. With <see cref="OnlyTrustedDocuments"/>, true lets requests that come from the gateway's own
    /// Banana Cake Pop page (a same-origin <c>Referer</c> naming the endpoint) run any document. A convenience for
    /// staging, NOT a security boundary: any client can send that header.
    /// </summary>
    public bool AllowUntrustedFromIde { get; set; }

    /// <summary>
    /// Default 0 (off): the <c>max-age</c> of successful GET queries, so a CDN or the browser can keep them. Answers
    /// to callers that send a token (<c>X-Auth-Token</c>, <c>Authorization</c>) are <c>private</c>: only their own
    /// browser may keep them, never a shared cache.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan GetMaxAge { get; set; } = TimeSpan.Zero;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OnlyTrustedDocuments && TrustedDocumentsFolder is null && TrustedDocumentsManifest is null)
        {
            yield return new ValidationResult(
                $"{SectionName}:OnlyTrustedDocuments needs {SectionName}:TrustedDocumentsFolder or TrustedDocumentsManifest: otherwise nothing could run.",
                [nameof(OnlyTrustedDocuments)]);
        }

        if (AllowUntrustedFromIde && !OnlyTrustedDocuments)
        {
            yield return new ValidationResult(
                $"{SectionName}:AllowUntrustedFromIde only means something with OnlyTrustedDocuments=true.",
                [nameof(AllowUntrustedFromIde)]);
        }

        string? problem = null;
        try
        {
            _ = TrustedDocuments.Load(this);
        }
        catch (InvalidTrustedDocumentsException invalid)
        {
            problem = invalid.Message;
        }

        if (problem is not null)
        {
            yield return new ValidationResult($"{SectionName}: {problem}", [nameof(TrustedDocumentsFolder), nameof(TrustedDocumentsManifest)]);
        }
    }
}
