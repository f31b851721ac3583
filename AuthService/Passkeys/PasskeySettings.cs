using ServiceDefaults.Configuration;

namespace AuthService.Passkeys;

/// <summary>
/// Who passkeys belong to and where they may be used: the relying party is PUBLIC_BASE_URL's host (a passkey made
/// there works on that host and its subdomains only), and an assertion is accepted only from PUBLIC_BASE_URL's origin
/// or one of ALLOWED_ORIGINS.
/// </summary>
/// <param name="RelyingPartyId">PUBLIC_BASE_URL's host.</param>
/// <param name="Origins">PUBLIC_BASE_URL's origin and ALLOWED_ORIGINS.</param>
/// <param name="RequiredForAdmins">
/// PASSKEYS_REQUIRED_FOR_ADMINS: admins enrol a passkey before anything else, and once they have one their
/// password sign-in (with or without a code) is refused.
/// </param>
public sealed record PasskeySettings(string RelyingPartyId, IReadOnlySet<string> Origins, bool RequiredForAdmins)
{
    public static PasskeySettings Read(SettingsReader reader, Uri publicBaseUrl) =>
        new(
            publicBaseUrl.Host,
            new HashSet<string>(
                [publicBaseUrl.GetLeftPart(UriPartial.Authority), .. reader.Origins("ALLOWED_ORIGINS", requiredInProduction: false)],
                StringComparer.OrdinalIgnoreCase
            ),
            reader.Flag("PASSKEYS_REQUIRED_FOR_ADMINS", false)
        );
}
