using Platform.Security.Tokens;

namespace Gateway.Authorization;

/// <summary>
/// The authorization policies routes may name. YARP refuses to start with a route whose policy is not registered,
/// so a typo cannot leave a route open.
/// </summary>
internal static class GatewayPolicies
{
    /// <summary>YARP's reserved name: no token needed.</summary>
    public const string Anonymous = "anonymous";

    public const string SignedIn = PlatformPolicies.SignedIn;

    public const string Admin = PlatformPolicies.Admin;

    /// <summary>Also a token that may only enrol a second factor (MFA_REQUIRED_FOR_ADMINS): the few routes it needs.</summary>
    public const string Enrolling = PlatformPolicies.Enrolling;
}
