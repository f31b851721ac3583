using ServiceDefaults.Configuration;

namespace ServiceDefaults.Alerts;

/// <summary>ALERT_WEBHOOK_URL: where alerts are posted as Slack-compatible <c>{"text": …}</c>; null: nowhere.</summary>
public sealed record AlertSettings(Uri? WebhookUrl)
{
    public static AlertSettings Read(SettingsReader reader)
    {
        var value = reader.Raw("ALERT_WEBHOOK_URL");
        if (value is null)
        {
            return new AlertSettings((Uri?)null);
        }

        if (
            !Uri.TryCreate(value, UriKind.Absolute, out var url)
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && !reader.IsProduction))
        )
        {
            // The URL is a secret (a Slack webhook's path is its credential): never repeated in a message.
            reader.AddProblem("ALERT_WEBHOOK_URL must be an absolute https URL (http is allowed in Development).");
            return new AlertSettings((Uri?)null);
        }

        return new AlertSettings(url);
    }
}
