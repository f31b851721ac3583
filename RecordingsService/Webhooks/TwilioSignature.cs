using System.Collections.Specialized;
using Microsoft.AspNetCore.Http.Features;
using RecordingsService.Configuration;
using Twilio.Security;

namespace RecordingsService.Webhooks;

/// <summary>
/// Checks <c>X-Twilio-Signature</c> with Twilio's own <see cref="RequestValidator"/> over the URL Twilio called:
/// PUBLIC_BASE_URL plus the path and query exactly as received. Never the Host header or an X-Forwarded-Host:
/// those come from the client. With TWILIO_AUTH_TOKEN_SECONDARY set (a token change), a signature by either token
/// is accepted, and the caller learns which.
/// </summary>
public sealed class TwilioSignature(TwilioSettings settings)
{
    private readonly RequestValidator _validator = new(settings.AuthToken);
    private readonly RequestValidator? _secondary = settings.AuthTokenSecondary is { } token ? new(token) : null;
    private readonly string _base = settings.PublicBaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');

    /// <summary>The URL the signature covers, for a request as it reached this service.</summary>
    public string UrlFor(HttpContext context)
    {
        // The raw target keeps the path and query byte for byte (no decoding, no re-encoding).
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return _base + (string.IsNullOrEmpty(rawTarget) ? context.Request.Path + context.Request.QueryString : rawTarget);
    }

    /// <returns>Which token signed the form, or null when neither did.</returns>
    public SigningToken? FormSignedBy(string url, IReadOnlyList<KeyValuePair<string, string>> form, string signature)
    {
        var parameters = new NameValueCollection();
        foreach (var (key, value) in form)
        {
            parameters.Add(key, value);
        }

        return SignedBy(validator => validator.Validate(url, parameters, signature));
    }

    /// <summary>The JSON-body variant: the URL carries <c>bodySHA256</c>, which must match the body.</summary>
    public SigningToken? JsonSignedBy(string url, string body, string signature) => SignedBy(validator => validator.Validate(url, body, signature));

    private SigningToken? SignedBy(Func<RequestValidator, bool> validate) =>
        validate(_validator) ? SigningToken.Primary
        : _secondary is not null && validate(_secondary) ? SigningToken.Secondary
        : null;
}

/// <summary>Which configured token signed a callback.</summary>
public enum SigningToken
{
    Primary,

    /// <summary>TWILIO_AUTH_TOKEN_SECONDARY: audited once a minute, so an operator sees when the change is complete.</summary>
    Secondary,
}
