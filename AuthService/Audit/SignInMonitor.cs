using System.Diagnostics.Metrics;
using Platform.Security.Monitoring;
using Platform.Security.Tokens;
using ServiceDefaults.Networking;
using ServiceDefaults.Telemetry;

namespace AuthService.Audit;

/// <summary>
/// Counts failed sign-ins (metric <c>auth.sign_in.failures</c> by reason) and warns when one client (an IPv4 address
/// or an IPv6 /64) or one username collects many failures in a short time ("alert on multiple authentication errors").
/// </summary>
public sealed partial class SignInMonitor : IDisposable
{
    public const string MeterName = TelemetryExtensions.MeterPrefix + "Auth";
    public const int WarningThreshold = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly Counter<long> _failures;
    private readonly BurstDetector _bursts;
    private readonly ILogger<SignInMonitor> _logger;

    public SignInMonitor(IMeterFactory meters, TimeProvider time, ILogger<SignInMonitor> logger)
    {
        _failures = meters.Create(MeterName).CreateCounter<long>("auth.sign_in.failures", description: "Failed sign-ins, by reason");
        _bursts = new BurstDetector(WarningThreshold, Window, time);
        _logger = logger;
    }

    public void Failed(string username, string? clientIp, string reason)
    {
        _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (_bursts.Record("ip:" + ClientKey.For(clientIp)))
        {
            LogManyFromIp(clientIp, WarningThreshold, Window.TotalMinutes);
        }

        if (_bursts.Record("user:" + username))
        {
            LogManyForUser(username, WarningThreshold, Window.TotalMinutes);
        }
    }

    public void Dispose() => _bursts.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Many failed sign-ins from {ClientIp}: {Count} within {Minutes} minutes")]
    private partial void LogManyFromIp(string? clientIp, int count, double minutes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Many failed sign-ins for user {Username}: {Count} within {Minutes} minutes")]
    private partial void LogManyForUser(string username, int count, double minutes);
}
