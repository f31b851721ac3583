namespace Demo;

/// <summary>What deploy/run.sh --demo passes (environment variables): where the gateway is and the demo account.</summary>
internal sealed record DemoSettings(int StandInPort, Uri Gateway, Uri PublicBaseUrl, string CaCertificate, string AccountSid, string AuthToken, TimeSpan LateAfter, TimeSpan ArrivalInterval)
{
    public static DemoSettings Read()
    {
        static string Required(string name) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set (start the demo with: bash deploy/run.sh --demo).");

        return new DemoSettings(
            int.Parse(Required("DEMO_TWILIO_PORT"), System.Globalization.CultureInfo.InvariantCulture),
            new Uri($"https://localhost:{Required("PORT")}"),
            new Uri(Required("PUBLIC_BASE_URL")),
            Required("DEMO_CA_CERT"),
            Required("TWILIO_ACCOUNT_SID"),
            Required("TWILIO_AUTH_TOKEN"),
            Seconds("DEMO_LATE_SECONDS", 60),
            Seconds("DEMO_ARRIVAL_SECONDS", 10));
    }

    private static TimeSpan Seconds(string name, int fallback) =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback);
}
