using ServiceDefaults.Configuration;

namespace Demo;

/// <summary>
/// What the demo reads (environment variables, set by <c>deploy/run.sh --demo</c> or the compose file's demo profile):
/// where the stand-in listens, where the gateway is, and the demo account.
/// </summary>
/// <param name="ListenAddress">DEMO_LISTEN_ADDRESS: the stand-in's address (loopback; 0.0.0.0 in a container).</param>
/// <param name="StandInPort">DEMO_TWILIO_PORT: the stand-in's port.</param>
/// <param name="PublicBaseUrl">PUBLIC_BASE_URL: where Twilio posts callbacks, and what it signs.</param>
/// <param name="GatewayAddress">
/// DEMO_GATEWAY_ADDRESS (host:port): where that URL is reached when its name does not lead there (a container).
/// </param>
/// <param name="CaCertificate">DEMO_CA_CERT: the CA of the gateway's development certificate; unset, the system's roots.</param>
/// <param name="LateAfter">DEMO_LATE_SECONDS: when the recordings that arrive live start arriving.</param>
/// <param name="ArrivalInterval">DEMO_ARRIVAL_SECONDS: how far apart they arrive.</param>
internal sealed record DemoSettings(
    string ListenAddress,
    int StandInPort,
    Uri PublicBaseUrl,
    string? GatewayAddress,
    string? CaCertificate,
    string AccountSid,
    string AuthToken,
    TimeSpan LateAfter,
    TimeSpan ArrivalInterval
)
{
    private const string Hint = "start the demo with: bash deploy/run.sh --demo";

    // Stands in for a missing value; a missing value is a problem, so the demo does not start.
    private static readonly Uri Missing = new("https://invalid.example");

    public static DemoSettings Read(SettingsReader reader) =>
        new(
            reader.Raw("DEMO_LISTEN_ADDRESS") ?? "127.0.0.1",
            reader.Required("DEMO_TWILIO_PORT", Hint) is null ? 0 : reader.Number("DEMO_TWILIO_PORT", 0, 1, 65_535),
            reader.Required("PUBLIC_BASE_URL", Hint) is null ? Missing : reader.Url("PUBLIC_BASE_URL", Missing),
            reader.Raw("DEMO_GATEWAY_ADDRESS"),
            reader.ExistingFile("DEMO_CA_CERT", null, requiredInProduction: false, "the gateway's development CA"),
            reader.Required("TWILIO_ACCOUNT_SID", Hint) ?? "",
            reader.Required("TWILIO_AUTH_TOKEN", Hint) ?? "",
            TimeSpan.FromSeconds(reader.Number("DEMO_LATE_SECONDS", 60, 1, 86_400)),
            TimeSpan.FromSeconds(reader.Number("DEMO_ARRIVAL_SECONDS", 10, 1, 86_400))
        );
}
