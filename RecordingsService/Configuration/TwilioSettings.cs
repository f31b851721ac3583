using System.Text.RegularExpressions;
using ServiceDefaults.Configuration;

namespace RecordingsService.Configuration;

/// <summary>The Twilio account whose recordings these are: what checks its callbacks and calls its REST API.</summary>
public sealed partial record TwilioSettings
{
    /// <summary>Development stand-in account, so a local run starts without Twilio credentials.</summary>
    public const string DevelopmentAccountSid = "AC00000000000000000000000000000000";

    /// <summary>TWILIO_ACCOUNT_SID.</summary>
    public required string AccountSid { get; init; }

    /// <summary>TWILIO_AUTH_TOKEN: signs Twilio's callbacks and authenticates the REST calls.</summary>
    public required string AuthToken { get; init; }

    /// <summary>
    /// TWILIO_AUTH_TOKEN_SECONDARY: while a token change is under way, callbacks signed with this one are accepted
    /// too (REST calls keep using <see cref="AuthToken"/>). Null when unset.
    /// </summary>
    public required string? AuthTokenSecondary { get; init; }

    /// <summary>PUBLIC_BASE_URL: the origin Twilio calls; signatures are checked against it, never against the Host header.</summary>
    public required Uri PublicBaseUrl { get; init; }

    /// <summary>TWILIO_API_BASE_URL.</summary>
    public required Uri ApiBaseUrl { get; init; }

    /// <summary>TWILIO_TIMEOUT_SECONDS: how long a call to Twilio may take to answer (for audio: until its headers).</summary>
    public required TimeSpan Timeout { get; init; }

    public static TwilioSettings Read(SettingsReader reader, Uri publicBaseUrl)
    {
        var accountSid = reader.RequiredInProduction("TWILIO_ACCOUNT_SID", DevelopmentAccountSid, "the Twilio account whose recordings these are");
        if (accountSid is not null && !AccountSidPattern().IsMatch(accountSid))
        {
            reader.AddProblem("TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal digits.");
        }

        var authToken = reader.RequiredInProduction(
            "TWILIO_AUTH_TOKEN",
            "development-auth-token",
            "the account's auth token; it signs Twilio's callbacks"
        );
        return new TwilioSettings
        {
            AccountSid = accountSid ?? "",
            AuthToken = authToken ?? "",
            AuthTokenSecondary = ReadSecondaryToken(reader, authToken),
            PublicBaseUrl = publicBaseUrl,
            ApiBaseUrl = reader.Url("TWILIO_API_BASE_URL", Twilio.TwilioApiBaseHandler.TwilioOrigin),
            Timeout = TimeSpan.FromSeconds(reader.Number("TWILIO_TIMEOUT_SECONDS", 10, 1, 120)),
        };
    }

    private static string? ReadSecondaryToken(SettingsReader reader, string? primary)
    {
        var secondary = reader.Raw("TWILIO_AUTH_TOKEN_SECONDARY");
        if (secondary is not null && secondary == primary)
        {
            reader.AddProblem(
                "TWILIO_AUTH_TOKEN_SECONDARY is the same as TWILIO_AUTH_TOKEN: set it to the other token during a change, or unset it."
            );
        }

        return secondary;
    }

    [GeneratedRegex(@"\AAC[0-9a-fA-F]{32}\z")]
    private static partial Regex AccountSidPattern();
}
