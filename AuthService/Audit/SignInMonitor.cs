using System.Diagnostics.Metrics;
using Platform.Security.Monitoring;
using Platform.Security.Tokens;
using Platform.Storage.Audit;
using ServiceDefaults.Alerts;
using ServiceDefaults.Networking;
using ServiceDefaults.Telemetry;

namespace AuthService.Audit;

/// <summary>
/// Counts failed sign-ins (metric <c>auth.sign_in.failures</c> by reason) and warns when one client (an IPv4 address
/// or an IPv6 /64) or one username collects many failures in a short time ("alert on multiple authentication errors");
/// each such burst also goes to the alert webhook and is returned, for the caller to audit as <c>sign-in-alert</c>.
/// </summary>
public sealed partial class SignInMonitor : IDisposable
{
    public const string MeterName = TelemetryExtensions.MeterPrefix + "Auth";
    public const int WarningThreshold = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly Counter<long> _failures;
    private readonly BurstDetector _bursts;
    private readonly ILogger<SignInMonitor> _logger;
    private readonly AlertSender _alerts;

    public SignInMonitor(IMeterFactory meters, TimeProvider time, AlertSender alerts, ILogger<SignInMonitor> logger)
    {
        _alerts = alerts;
        _failures = meters.Create(MeterName).CreateCounter<long>("auth.sign_in.failures", description: "Failed sign-ins, by reason");
        _bursts = new BurstDetector(WarningThreshold, Window, time);
        _logger = logger;
    }

    /// <summary>
    /// A failed proof of identity (a wrong password at sign-in, a wrong second-factor code): counted, audited as
    /// <paramref name="action"/>, and each burst it completes audited as <c>sign-in-alert</c>, in one transaction.
    /// </summary>
    public Task RecordFailureAsync(
        IAuditLog audit,
        string action,
        string username,
        string? clientIp,
        string reason,
        CancellationToken cancellationToken
    )
    {
        var bursts = Failed(username, clientIp, reason);
        return audit.WriteAllAsync(
            [
                new AuditEntry(action, null, username, clientIp, "failure", reason),
                .. bursts.Select(burst => new AuditEntry(AuthAuditActions.SignInAlert, null, username, clientIp, "alert", burst)),
            ],
            cancellationToken
        );
    }

    /// <returns>The bursts this failure completed (none, one or both), each a sentence for the audit.</returns>
    public IReadOnlyList<string> Failed(string username, string? clientIp, string reason)
    {
        _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        var bursts = new List<string>(2);
        if (_bursts.Record("ip:" + ClientKey.For(clientIp)))
        {
            LogManyFromIp(clientIp, WarningThreshold, Window.TotalMinutes);
            bursts.Add($"{WarningThreshold} failed sign-ins within {Window.TotalMinutes:0} minutes from {clientIp ?? "an unknown address"}");
        }

        if (_bursts.Record("user:" + username))
        {
            LogManyForUser(username, WarningThreshold, Window.TotalMinutes);
            bursts.Add($"{WarningThreshold} failed sign-ins within {Window.TotalMinutes:0} minutes for user {username}");
        }

        foreach (var burst in bursts)
        {
            _alerts.Raise("sign-in-failures", "Call recordings: " + burst + ".");
        }

        return bursts;
    }

    public void Dispose() => _bursts.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Many failed sign-ins from {ClientIp}: {Count} within {Minutes} minutes")]
    private partial void LogManyFromIp(string? clientIp, int count, double minutes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Many failed sign-ins for user {Username}: {Count} within {Minutes} minutes")]
    private partial void LogManyForUser(string username, int count, double minutes);
}
