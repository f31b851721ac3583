using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using RecordingsService.Recordings;

namespace RecordingsService.Webhooks;

/// <summary>
/// The form Twilio posts (its field names), as the API description shows it; the handler reads the raw form, since
/// the signature covers every field as sent, and validates it with <see cref="RecordingCallback"/>.
/// </summary>
public sealed record RecordingCallbackForm(
    [property: JsonPropertyName("AccountSid")] string AccountSid,
    [property: JsonPropertyName("CallSid")] string CallSid,
    [property: JsonPropertyName("RecordingSid")] string RecordingSid,
    [property: JsonPropertyName("RecordingStatus")] string RecordingStatus,
    [property: JsonPropertyName("RecordingUrl")] string? RecordingUrl,
    [property: JsonPropertyName("RecordingDuration")] int? RecordingDuration,
    [property: JsonPropertyName("RecordingChannels")] int? RecordingChannels,
    [property: JsonPropertyName("RecordingSource")] string? RecordingSource,
    [property: JsonPropertyName("RecordingStartTime")] string? RecordingStartTime,
    [property: JsonPropertyName("ErrorCode")] int? ErrorCode
);

/// <summary>The fields of Twilio's recording status callback, validated.</summary>
public static partial class RecordingCallback
{
    /// <summary>Twilio recordings last at most 24 hours; a little headroom.</summary>
    public const int MaxDurationSeconds = 2 * 86_400;

    /// <returns>The recording, or the problems keyed by field; <paramref name="wrongAccount"/> when AccountSid is not ours.</returns>
    public static (Recording? Recording, Dictionary<string, string[]> Errors, bool WrongAccount) Parse(
        IReadOnlyDictionary<string, string> fields,
        string accountSid,
        DateTimeOffset now
    )
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var account = Field(fields, "AccountSid");
        if (!string.Equals(account, accountSid, StringComparison.Ordinal))
        {
            return (null, errors, true);
        }

        var sid = Field(fields, "RecordingSid");
        if (!RecordingStatus.IsRecordingSid(sid))
        {
            errors["RecordingSid"] = ["RecordingSid must be RE followed by 32 hexadecimal digits."];
        }

        var callSid = Field(fields, "CallSid");
        if (!RecordingStatus.IsCallSid(callSid))
        {
            errors["CallSid"] = ["CallSid must be CA followed by 32 hexadecimal digits."];
        }

        var status = Field(fields, "RecordingStatus");
        if (status is null || !RecordingStatus.FromTwilio.Contains(status))
        {
            errors["RecordingStatus"] = ["RecordingStatus must be one of in-progress, completed, absent, failed."];
        }

        var duration = Integer(fields, "RecordingDuration", 0, MaxDurationSeconds, errors);
        var channels = Integer(fields, "RecordingChannels", 1, 2, errors);
        var errorCode = Integer(fields, "ErrorCode", 0, 99_999, errors);

        var source = Field(fields, "RecordingSource");
        if (source is not null && !SourcePattern().IsMatch(source))
        {
            errors["RecordingSource"] = ["RecordingSource must be a Twilio source name such as RecordVerb."];
        }

        DateTimeOffset? startTime = null;
        var start = Field(fields, "RecordingStartTime");
        if (start is not null)
        {
            startTime = ParseRfc2822(start);
            if (startTime is null)
            {
                errors["RecordingStartTime"] =
                [
                    "RecordingStartTime must be an RFC 2822 date as Twilio sends it, e.g. Mon, 16 Aug 2010 03:45:01 +0000.",
                ];
            }
        }

        if (errors.Count > 0)
        {
            return (null, errors, false);
        }

        return (new Recording(sid!, account!, callSid!, status!, duration, channels, source, startTime, now, now, errorCode), errors, false);
    }

    /// <summary>RFC 2822 as Twilio writes it ("Mon, 16 Aug 2010 03:45:01 +0000"); the weekday is optional.</summary>
    public static DateTimeOffset? ParseRfc2822(string value)
    {
        var match = Rfc2822().Match(value.Trim());
        if (!match.Success)
        {
            return null;
        }

        var normalized = $"{match.Groups["date"].Value} {match.Groups["sign"].Value}{match.Groups["hh"].Value}:{match.Groups["mm"].Value}";
        return DateTimeOffset.TryParseExact(
            normalized,
            ["d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm zzz"],
            CultureInfo.InvariantCulture,
            DateTimeStyles.None,
            out var parsed
        )
            ? parsed.ToUniversalTime()
            : null;
    }

    private static string? Field(IReadOnlyDictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    private static int? Integer(IReadOnlyDictionary<string, string> fields, string name, int min, int max, Dictionary<string, string[]> errors)
    {
        var value = Field(fields, name);
        if (value is null)
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max)
        {
            return parsed;
        }

        errors[name] = [$"{name} must be a whole number from {min} to {max}."];
        return null;
    }

    [GeneratedRegex(@"^(?:[A-Z][a-z]{2},\s*)?(?<date>\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})?) (?<sign>[+-])(?<hh>\d{2})(?<mm>\d{2})$")]
    private static partial Regex Rfc2822();

    [GeneratedRegex(@"\A[A-Za-z]{1,40}\z")]
    private static partial Regex SourcePattern();
}
