using Platform.Security.InternalTls;
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

    /// <param name="internalTls">This process's internal TLS: the AuthService is called over https with it, else on loopback only.</param>
    public static VerifierSettings Read(SettingsReader reader, InternalTlsSettings? internalTls)
    {
        var jwksUrl = reader.Url("JWKS_URL", DefaultJwksUrl);
        var feedUrl = reader.Url("REVOCATION_FEED_URL", RevocationExtensions.DefaultFeedUrl(jwksUrl));
        InternalTlsSettings.CheckServiceUrl(reader, internalTls, "JWKS_URL", jwksUrl);
        InternalTlsSettings.CheckServiceUrl(reader, internalTls, "REVOCATION_FEED_URL", feedUrl);
        return new VerifierSettings(jwksUrl, feedUrl, TimeSpan.FromSeconds(reader.Number("REVOCATION_POLL_SECONDS", 2, 1, 60)));
    }
}
