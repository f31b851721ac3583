using System.Text.RegularExpressions;

namespace RecordingsService.Recordings;

/// <summary>A recording as docs/recordings.md («API») shows it. Times are UTC.</summary>
public sealed record Recording(
    string Sid,
    string AccountSid,
    string CallSid,
    string Status,
    int? DurationSeconds,
    int? Channels,
    string? Source,
    DateTimeOffset? StartTime,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int? ErrorCode
);

/// <summary>Recording statuses and the order in which they may follow each other.</summary>
public static partial class RecordingStatus
{
    public const string InProgress = "in-progress";
    public const string Completed = "completed";
    public const string Absent = "absent";
    public const string Failed = "failed";
    public const string Deleted = "deleted";

    /// <summary>What Twilio may report.</summary>
    public static readonly IReadOnlySet<string> FromTwilio = new HashSet<string>(StringComparer.Ordinal) { InProgress, Completed, Absent, Failed };

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { InProgress, Completed, Absent, Failed, Deleted };

    /// <summary>
    /// A status only replaces one of lower rank: in-progress, then a final status (completed, absent, failed), then
    /// deleted. So a retried or late callback never overwrites a newer state, and a deleted recording stays deleted.
    /// </summary>
    public static int Rank(string status) =>
        status switch
        {
            InProgress => 1,
            Completed or Absent or Failed => 2,
            Deleted => 3,
            _ => 0,
        };

    public static bool IsRecordingSid(string? value) => value is not null && RecordingSid().IsMatch(value);

    public static bool IsCallSid(string? value) => value is not null && CallSid().IsMatch(value);

    [GeneratedRegex(@"\ARE[0-9a-fA-F]{32}\z")]
    private static partial Regex RecordingSid();

    [GeneratedRegex(@"\ACA[0-9a-fA-F]{32}\z")]
    private static partial Regex CallSid();
}
