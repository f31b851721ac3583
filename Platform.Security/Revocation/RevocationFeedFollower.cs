using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.Security.Revocation;

/// <summary>Where and how often a verifier reads the AuthService's revocation feed.</summary>
public sealed record RevocationFeedOptions(Uri FeedUrl, TimeSpan PollInterval);

/// <summary>
/// Follows <c>GET /internal/revocations?since=</c> so that a revoked session's access tokens are refused within one
/// poll interval, without a database hit per request. If the feed cannot be read, tokens stay accepted until they
/// expire (at most ACCESS_TOKEN_MINUTES) and every failed poll is logged; readiness reports the feed as degraded.
/// </summary>
public sealed partial class RevocationFeedFollower(
    IHttpClientFactory httpClients,
    RevokedSessions revoked,
    RevocationFeedOptions options,
    TimeProvider time,
    ILogger<RevocationFeedFollower> logger
) : BackgroundService
{
    public const string HttpClientName = "revocation-feed";

    private long _cursor;
    private string? _epoch;
    private int _failures;

    /// <summary>Failed polls since the last success.</summary>
    public int FailedPolls => Volatile.Read(ref _failures);

    /// <summary>When the feed was last read successfully (null: never).</summary>
    public DateTimeOffset? LastSuccess { get; private set; }

    /// <summary>Reads everything new once; the background loop calls this every interval.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        using var http = httpClients.CreateClient(HttpClientName);
        var startedOver = false;
        while (true)
        {
            var batch = await http.GetFromJsonAsync($"{options.FeedUrl}?since={_cursor}", FeedJsonContext.Default.FeedBatch, cancellationToken);
            if (batch?.Sessions is null || batch.Sessions.Any(s => s?.Sid is null))
            {
                // Something answered, but not a revocation feed (a wrong REVOCATION_FEED_URL): say so, keep running.
                throw new InvalidOperationException("The answer is not a revocation feed.");
            }

            // A feed behind our cursor (its database restored from a backup) or with a new epoch (revoke-all, run after
            // a restore): its sequence numbers are not the ones the cursor counted. Read it again from the start; what
            // was revoked before stays revoked here.
            // (A feed that names no head or epoch, an AuthService of an earlier version, is followed as it is.)
            if (!startedOver && _cursor > 0 && (batch.Head < _cursor || (batch.Epoch is not null && _epoch is not null && batch.Epoch != _epoch)))
            {
                LogStartedOver(options.FeedUrl, _cursor, batch.Head ?? 0);
                startedOver = true;
                _cursor = 0;
                _epoch = batch.Epoch;
                continue;
            }

            _epoch ??= batch.Epoch;
            foreach (var session in batch.Sessions)
            {
                revoked.Add(session.Sid, session.ExpiresAt);
            }

            if (batch.RevokedBefore is { } revokedBefore)
            {
                revoked.RevokeAllBefore(revokedBefore);
            }

            var more = batch.Cursor > _cursor && batch.Sessions.Count > 0;
            _cursor = batch.Cursor;
            if (!more)
            {
                break;
            }
        }

        revoked.Sweep();
        LastSuccess = time.GetUtcNow();
        if (_failures > 0)
        {
            LogRecovered(_failures);
            _failures = 0;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollAsync(stoppingToken);
            }
            catch (Exception ex)
                when (ex is HttpRequestException or JsonException or InvalidOperationException
                    || (ex is TaskCanceledException && !stoppingToken.IsCancellationRequested)
                )
            {
                _failures++;
                LogFailed(options.FeedUrl, _failures, ex.Message);
            }

            try
            {
                await Task.Delay(options.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Cannot read the revocation feed {FeedUrl} ({Failures} failed polls): {Reason}. "
            + "Revoked sessions stay usable until their tokens expire."
    )]
    private partial void LogFailed(Uri feedUrl, int failures, string reason);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "The revocation feed {FeedUrl} started over (cursor {Cursor}, feed at {Head}, "
            + "or a new epoch: its database restored or revoke-all run); "
            + "reading it again from the start"
    )]
    private partial void LogStartedOver(Uri feedUrl, long cursor, long head);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revocation feed readable again after {Failures} failed polls")]
    private partial void LogRecovered(int failures);
}

internal sealed record FeedSession(string Sid, DateTimeOffset ExpiresAt);

internal sealed record FeedBatch(long Cursor, IReadOnlyList<FeedSession> Sessions, DateTimeOffset? RevokedBefore, long? Head, string? Epoch);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(FeedBatch))]
internal sealed partial class FeedJsonContext : JsonSerializerContext;
