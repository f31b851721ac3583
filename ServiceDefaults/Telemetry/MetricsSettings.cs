using ServiceDefaults.Configuration;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// METRICS_PORT: the plain-HTTP port that answers <c>GET /metrics</c> (Prometheus text) and nothing else; unset, no
/// such port is opened and no metrics are aggregated for it.
/// </summary>
public sealed record MetricsSettings(int? Port)
{
    public const string Variable = "METRICS_PORT";

    /// <summary>Each service reads it with its own settings, so a bad value is listed with every other problem.</summary>
    public static MetricsSettings Read(SettingsReader reader)
    {
        if (reader.Raw(Variable) is null)
        {
            return new MetricsSettings(Port: null);
        }

        var problems = reader.Problems.Count;
        var port = reader.Number(Variable, 0, 1, 65535);
        return new MetricsSettings(reader.Problems.Count > problems ? null : port);
    }
}
