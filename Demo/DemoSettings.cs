using System.Globalization;

namespace Demo;

/// <summary>
/// What the demo reads (environment variables, set by <c>deploy/run.sh --demo</c> or the compose file's demo profile):
/// where the stand-in listens, where the gateway is, and the demo account.
/// </summary>
/// <param name="ListenAddress">DEMO_LISTEN_ADDRESS: the stand-in's address (loopback; 0.0.0.0 in a container).</param>
/// <param name="PublicBaseUrl">PUBLIC_BASE_URL: where Twilio posts callbacks, and what it signs.</param>
/// <param name="GatewayAddress">DEMO_GATEWAY_ADDRESS (host:port): where that URL is reached when its name does not lead there (a container).</param>
/// <param name="CaCertificate">DEMO_CA_CERT: the CA of the gateway's development certificate; unset, the system's roots.</param>
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
    public static DemoSettings Read()
    {
        static string? Optional(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
        static string Required(string name) =>
            Optional(name) ?? throw new InvalidOperationException($"{name} is not set (start the demo with: bash deploy/run.sh --demo).");

        return new DemoSettings(
            Optional("DEMO_LISTEN_ADDRESS") ?? "127.0.0.1",
            int.Parse(Required("DEMO_TWILIO_PORT"), CultureInfo.InvariantCulture),
            new Uri(Required("PUBLIC_BASE_URL")),
            Optional("DEMO_GATEWAY_ADDRESS"),
            Optional("DEMO_CA_CERT"),
            Required("TWILIO_ACCOUNT_SID"),
            Required("TWILIO_AUTH_TOKEN"),
            Seconds("DEMO_LATE_SECONDS", 60),
            Seconds("DEMO_ARRIVAL_SECONDS", 10)
        );
    }

    private static TimeSpan Seconds(string name, int fallback) =>
        TimeSpan.FromSeconds(
            int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback
        );
}
