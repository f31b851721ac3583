using ServiceDefaults.Configuration;

namespace RecordingsService.Alerts;

/// <param name="Threshold">ACCESS_ALERT_THRESHOLD: more plays, downloads and deletes than this by one user within the window alert.</param>
/// <param name="Window">ACCESS_ALERT_WINDOW_MINUTES.</param>
public sealed record AccessAlertSettings(int Threshold, TimeSpan Window)
{
    public static AccessAlertSettings Read(SettingsReader reader) =>
        new(
            reader.Number("ACCESS_ALERT_THRESHOLD", 50, 1, 1_000_000),
            TimeSpan.FromMinutes(reader.Number("ACCESS_ALERT_WINDOW_MINUTES", 10, 1, 24 * 60))
        );
}
