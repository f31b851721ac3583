using System.Globalization;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace RecordingsService.Recordings;

/// <summary>The list filters, validated. The cursor is opaque to clients: the position after the last row shown.</summary>
public sealed record RecordingQuery(
    int Limit,
    long? AfterSortAt,
    string? AfterSid,
    string? CallSid,
    string? Status,
    DateTimeOffset? From,
    DateTimeOffset? To
)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <returns>The query, or the problems keyed by parameter name.</returns>
    public static (RecordingQuery? Query, Dictionary<string, string[]> Errors) Parse(IQueryCollection query)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var limit = DefaultLimit;
        if (
            query.TryGetValue("limit", out var limitValue)
            && (!int.TryParse(limitValue, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit)
        )
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}."];
        }

        long? afterSortAt = null;
        string? afterSid = null;
        if (query.TryGetValue("cursor", out var cursor) && !TryDecodeCursor(cursor.ToString(), out afterSortAt, out afterSid))
        {
            errors["cursor"] = ["cursor is not one this API returned."];
        }

        string? callSid = query["callSid"];
        if (callSid is not null && !RecordingStatus.IsCallSid(callSid))
        {
            errors["callSid"] = ["callSid must be CA followed by 32 hexadecimal digits."];
        }

        string? status = query["status"];
        if (status is not null && !RecordingStatus.All.Contains(status))
        {
            errors["status"] = [$"status must be one of {string.Join(", ", RecordingStatus.All)}."];
        }

        var from = Time(query, "from", errors);
        var to = Time(query, "to", errors);
        if (from is not null && to is not null && from > to)
        {
            errors["to"] = ["to must not be before from."];
        }

        return errors.Count > 0 ? (null, errors) : (new RecordingQuery(limit, afterSortAt, afterSid, callSid, status, from, to), errors);
    }

    public static string EncodeCursor(long sortAt, string sid) =>
        Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{sortAt}:{sid}")));

    private static bool TryDecodeCursor(string value, out long? sortAt, out string? sid)
    {
        sortAt = null;
        sid = null;
        try
        {
            var parts = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(value)).Split(':');
            if (
                parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var at)
                && RecordingStatus.IsRecordingSid(parts[1])
            )
            {
                sortAt = at;
                sid = parts[1];
                return true;
            }
        }
        catch (FormatException) { }
        catch (ArgumentException) { }

        return false;
    }

    private static DateTimeOffset? Time(IQueryCollection query, string name, Dictionary<string, string[]> errors)
    {
        if (!query.TryGetValue(name, out var value))
        {
            return null;
        }

        if (
            DateTimeOffset.TryParse(
                value,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out var parsed
            )
            && value.ToString().Length >= 10
            && char.IsDigit(value.ToString()[0])
        )
        {
            return parsed;
        }

        errors[name] = [$"{name} must be an ISO 8601 date or time, e.g. 2026-11-28 or 2026-11-28T09:30:00Z."];
        return null;
    }
}
