using Platform.Security.Revocation;
using ServiceDefaults.Configuration;

namespace Platform.Security.Tokens;

/// <summary>
/// Where a verifier (the gateway, the RecordingsService) reads the AuthService's public keys and revocations:
/// JWKS_URL, REVOCATION_FEED_URL (default: JWKS_URL's origin + <c>/internal/revocations</c>) and REVOCATION_POLL_SECONDS.
/// </summary>
public sealed record VerifierSettings(Uri JwksUrl, Uri RevocationFeedUrl, TimeSpan RevocationPollInterval)
{
    public static readonly Uri DefaultJwksUrl = new("http://127.0.0.1:5001/.well-known/jwks.json");

    public static VerifierSettings Read(SettingsReader reader)
    {
        var jwksUrl = reader.Url("JWKS_URL", DefaultJwksUrl);
        return new VerifierSettings(
            jwksUrl,
            reader.Url("REVOCATION_FEED_URL", RevocationExtensions.DefaultFeedUrl(jwksUrl)),
            TimeSpan.FromSeconds(reader.Number("REVOCATION_POLL_SECONDS", 2, 1, 60)));
    }
}
