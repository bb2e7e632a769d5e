using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;

namespace DrsGraph.Gateway.ServiceIdentity;

/// <summary>
/// Service identities, bound from <c>Gateway:ServiceIdentity</c>. Off by default: callers then send their own
/// IAM token in <c>X-Auth-Token</c>. On: callers present a JWT from the organisation's identity provider, the
/// <see cref="Grants"/> say which projects its claims may read, and the gateway calls DRS with a credential it
/// holds per project (<see cref="Credentials"/>).
/// </summary>
public sealed class ServiceIdentityOptions : IValidatableObject
{
    public const string SectionName = "Gateway:ServiceIdentity";
    public const string EnabledSetting = SectionName + ":Enabled";

    /// <summary>Grant projects <c>*</c>: every project the gateway holds a credential for.</summary>
    public const string AnyProject = "*";

    /// <summary>The kinds of public key a PEM may hold, tried in turn (<see cref="ImportPublicKey"/>).</summary>
    private static readonly Func<AsymmetricAlgorithm>[] KeyKinds = [RSA.Create, ECDsa.Create];

    /// <summary>Switches the mode on. Default false (pass-through <c>X-Auth-Token</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>The one accepted <c>iss</c>. Required when enabled.</summary>
    public string? Issuer { get; set; }

    /// <summary>The one accepted <c>aud</c>. Required when enabled.</summary>
    public string? Audience { get; set; }

    /// <summary>PEM public keys (RSA or EC, <c>-----BEGIN PUBLIC KEY-----</c>) that may sign callers' JWTs.</summary>
    public List<string> PublicKeys { get; init; } = [];

    /// <summary>Base64 HMAC keys (at least 32 bytes each) that may sign callers' JWTs; prefer <see cref="PublicKeys"/>.</summary>
    public List<string> SymmetricKeys { get; init; } = [];

    /// <summary>
    /// Claims every JWT must carry besides <c>exp</c>, as configured (<see cref="EffectiveRequiredClaims"/>). Null by
    /// default, not <c>["sub"]</c>: the configuration binder adds to a list it finds, so a configured list was the default
    /// plus it, and <c>sub</c> could not be replaced.
    /// </summary>
    public List<string>? RequiredClaims { get; set; }

    /// <summary>The configured <see cref="RequiredClaims"/>, or <c>sub</c> when none are: a caller must say who it is.</summary>
    public IReadOnlyList<string> EffectiveRequiredClaims => RequiredClaims is { Count: > 0 } claims ? claims : ["sub"];

    /// <summary>Tolerance on <c>exp</c> and <c>nbf</c>. Default 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Claim value -> projects it may read; a caller may read the union of its grants.</summary>
    public List<ServiceGrant> Grants { get; init; } = [];

    /// <summary>
    /// Project ID -> the credential the gateway calls DRS with for it. Secrets come from the environment or a
    /// secret store (<c>Gateway__ServiceIdentity__Credentials__{project}__SecretKey</c>), never from a file in the repo.
    /// Keyed by project now; regions will key them by region and project.
    /// </summary>
    public Dictionary<string, ServiceCredentialOptions> Credentials { get; init; } = [];

    /// <summary>
    /// Credentials (and IAM endpoint) of the other DRS regions, by region name (<c>Drs:Regions</c>). A grant names such a
    /// region's project as <c>&lt;region&gt;/&lt;project&gt;</c> (or <c>&lt;region&gt;/*</c>); a bare project is the
    /// default region's, so a grant in one region never opens the same project ID in another. Default: none.
    /// </summary>
    public Dictionary<string, ServiceRegionOptions> Regions { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>IAM's base URL for credentials that log in with a password and name none. Default: the DRS endpoint (the emulator serves both).</summary>
    public string? IamEndpoint { get; set; }

    /// <summary>How long before expiry the gateway replaces an IAM token it holds. Default 1 hour (tokens live 24 h).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "12:00:00")]
    public TimeSpan TokenRefreshBefore { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Issuer) || string.IsNullOrWhiteSpace(Audience))
        {
            yield return new ValidationResult($"{SectionName}:Issuer and :Audience are required when service identities are enabled.", [nameof(Issuer)]);
        }

        if (PublicKeys.Count + SymmetricKeys.Count == 0)
        {
            yield return new ValidationResult($"{SectionName} needs at least one of PublicKeys or SymmetricKeys to check callers' JWTs.", [nameof(PublicKeys)]);
        }

        foreach (var problem in PublicKeys.Select(KeyProblem).OfType<string>())
        {
            yield return new ValidationResult(problem, [nameof(PublicKeys)]);
        }

        foreach (var problem in SymmetricKeys.Select(SymmetricKeyProblem).OfType<string>())
        {
            yield return new ValidationResult(problem, [nameof(SymmetricKeys)]);
        }

        if (Grants.Count == 0)
        {
            yield return new ValidationResult($"{SectionName}:Grants is empty: no caller could read any project.", [nameof(Grants)]);
        }

        foreach (var (grant, i) in Grants.Select((g, i) => (g, i)))
        {
            if (string.IsNullOrWhiteSpace(grant.Claim) || string.IsNullOrWhiteSpace(grant.Value) || grant.Projects.Count == 0)
            {
                yield return new ValidationResult($"{SectionName}:Grants:{i} needs Claim, Value and at least one project.", [nameof(Grants)]);
            }

            foreach (var entry in grant.Projects)
            {
                var (region, project) = SplitGrant(entry);
                if (region is null)
                {
                    if (project != AnyProject && !Credentials.ContainsKey(project))
                    {
                        yield return new ValidationResult($"{SectionName}:Grants:{i} grants project {project}, but {SectionName}:Credentials has no credential for it.", [nameof(Grants)]);
                    }
                }
                // A region without an entry here may not be configured at all: ServiceRegionValidation, which sees
                // Drs:Regions, says which of the two it is.
                else if (Regions.TryGetValue(region, out var held) && project != AnyProject && !held.Credentials.ContainsKey(project))
                {
                    yield return new ValidationResult($"{SectionName}:Grants:{i} grants {entry}, but {SectionName}:Regions:{region}:Credentials has no credential for it.", [nameof(Grants)]);
                }
            }
        }

        foreach (var (region, held) in Regions)
        {
            foreach (var (project, credential) in held.Credentials)
            {
                if (credential.Problem() is { } problem)
                {
                    yield return new ValidationResult($"{SectionName}:Regions:{region}:Credentials:{project}: {problem}", [nameof(Regions)]);
                }
            }

            if (!string.IsNullOrWhiteSpace(held.IamEndpoint) && !IsHttpUrl(held.IamEndpoint))
            {
                yield return new ValidationResult($"{SectionName}:Regions:{region}:IamEndpoint {HttpUrlRule}.", [nameof(Regions)]);
            }
        }

        foreach (var (project, credential) in Credentials)
        {
            if (credential.Problem() is { } problem)
            {
                yield return new ValidationResult($"{SectionName}:Credentials:{project}: {problem}", [nameof(Credentials)]);
            }
        }

        if (!string.IsNullOrWhiteSpace(IamEndpoint) && !IsHttpUrl(IamEndpoint))
        {
            yield return new ValidationResult($"{SectionName}:IamEndpoint {HttpUrlRule}.", [nameof(IamEndpoint)]);
        }
    }

    /// <summary>A grant's project entry: <c>project</c> (the default region's) or <c>region/project</c>; either may be <c>*</c> for the project.</summary>
    internal static (string? Region, string Project) SplitGrant(string entry)
    {
        var slash = entry.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (null, entry) : (entry[..slash], entry[(slash + 1)..]);
    }

    /// <summary>
    /// An absolute http(s) URL without <c>user:password@</c>, query or fragment, as <c>Drs:Endpoint</c> must be: the
    /// gateway appends <c>v3/auth/tokens</c>, so a query was silently dropped, and credentials in the URL would travel
    /// with every token request (the password goes in the body).
    /// </summary>
    internal static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.UserInfo.Length == 0 && uri.Query.Length == 0 && uri.Fragment.Length == 0 && value.AsSpan().IndexOfAny('?', '#') < 0;

    /// <summary>What <see cref="IsHttpUrl"/> asks, for the refusal.</summary>
    internal const string HttpUrlRule = "must be an absolute http(s) URL, without user:password@, query or fragment";

    private static string? KeyProblem(string pem)
    {
        using var key = ImportPublicKey(pem, out var problem);
        return problem is null ? null : $"{SectionName}:PublicKeys holds {problem}.";
    }

    /// <summary>The smallest RSA key accepted: NIST's floor since 2015; a 512-bit key is factored in hours and its JWTs forged.</summary>
    internal const int MinRsaKeyBits = 2048;

    /// <summary>The curves the JWT algorithms accepted here sign on (ES256, ES384, ES512): P-256, P-384, P-521.</summary>
    private static readonly string[] EcCurves = ["1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35"];

    /// <summary>
    /// The RSA (2048 bits or more) or EC (P-256/384/521) public key in <paramref name="pem"/>, or null with
    /// <paramref name="problem"/> saying why not: one PEM object labelled <c>PUBLIC KEY</c>, nothing else. The
    /// runtime's import also takes private keys (whose secret then sat in the gateway's settings without a word), keys of
    /// any size and curves no accepted algorithm signs on. An EC key read as RSA (and an RSA key read as EC) throws
    /// <see cref="CryptographicException"/>, text that is no PEM at all <see cref="ArgumentException"/>: both mean "not
    /// this kind", never a crash of start-up.
    /// </summary>
    internal static AsymmetricAlgorithm? ImportPublicKey(string pem, out string? problem)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || !pem.AsSpan()[fields.Label].SequenceEqual("PUBLIC KEY")
            || PemEncoding.TryFind(pem.AsSpan()[fields.Location.End..], out _))
        {
            problem = pem.Contains("PRIVATE KEY", StringComparison.Ordinal)
                ? "a private key: give only its public key (-----BEGIN PUBLIC KEY-----), the private one must not be on the gateway"
                : "an entry that is not a PEM RSA or EC public key (-----BEGIN PUBLIC KEY-----)";
            return null;
        }

        foreach (var create in KeyKinds)
        {
            var key = create();
            try
            {
                key.ImportFromPem(pem);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                key.Dispose();
                continue;
            }

            problem = key switch
            {
                RSA { KeySize: < MinRsaKeyBits } rsa => $"an RSA key of {rsa.KeySize} bits: at least {MinRsaKeyBits} are needed (smaller ones can be factored and their JWTs forged)",
                ECDsa ec when !EcCurves.Contains(ec.ExportParameters(false).Curve.Oid.Value, StringComparer.Ordinal) =>
                    $"an EC key on a curve other than P-256, P-384 or P-521 ({ec.ExportParameters(false).Curve.Oid.FriendlyName ?? ec.ExportParameters(false).Curve.Oid.Value})",
                _ => null,
            };
            if (problem is null)
            {
                return key;
            }

            key.Dispose();
            return null;
        }

        problem = "an entry that is not a PEM RSA or EC public key";
        return null;
    }

    private static string? SymmetricKeyProblem(string base64)
    {
        // Sized for the text (base64 is 4 characters per 3 bytes): a fixed 512-byte buffer refused valid longer keys.
        var buffer = new byte[(base64.Length / 4 * 3) + 3];
        return Convert.TryFromBase64String(base64, buffer, out var length) && length >= 32
            ? null
            : $"{SectionName}:SymmetricKeys holds an entry that is not base64 of at least 32 bytes.";
    }
}
