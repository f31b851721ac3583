using System.Text.Json;
using Platform.Storage;
using RecordingsService.Recordings;
using ServiceDefaults.Redis;
using StackExchange.Redis;

namespace RecordingsService.LiveEvents;

/// <summary>
/// Live events across replicas (REDIS_URL): each change goes at once to this replica's own dashboards and is published
/// on a Redis channel (tagged with this replica, which skips its own messages there); every other replica sends what
/// it receives to its dashboards, so a callback stored by any replica reaches every dashboard. Redis pub/sub rather
/// than PostgreSQL's LISTEN/NOTIFY: Redis is what the gateways share already, it works whichever database a replica
/// uses, and its messages have no 8 KB limit.
/// Pub/sub keeps nothing, so Redis is never the only copy: a replica's own dashboards never depend on it, and while it
/// is away (or a publish fails) this replica remembers when the gap began. Once Redis is back it announces
/// the gap on a second channel and waits to hear its own announcement (its subscriptions hold again); then, and on
/// any other replica's announcement, every dashboard here is sent what changed since the gap began, from the
/// database. What changed during the resubscription is in that replay too.
/// </summary>
internal sealed partial class RedisRecordingEvents : IRecordingEvents, IHostedService, IDisposable
{
    private static readonly RedisChannel Channel = RedisChannel.Literal(RedisSettings.KeyPrefix + "recording-events");
    private static readonly RedisChannel Gaps = RedisChannel.Literal(RedisSettings.KeyPrefix + "recording-events:gaps");

    private static readonly TimeSpan AnnounceInterval = TimeSpan.FromSeconds(2);

    private readonly IConnectionMultiplexer _redis;
    private readonly LiveEventHub _hub;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisRecordingEvents> _logger;
    private readonly RedisSubscription _events;
    private readonly RedisSubscription _gaps;
    private readonly string _replica = Guid.NewGuid().ToString("N");
    private readonly byte[] _tag = Guid.NewGuid().ToByteArray();
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;
    private readonly Lock _gate = new();
    private DateTimeOffset? _gapSince;
    private TaskCompletionSource? _heard;
    private Task _announcing = Task.CompletedTask;

    public RedisRecordingEvents(IConnectionMultiplexer redis, LiveEventHub hub, TimeProvider time, ILogger<RedisRecordingEvents> logger)
    {
        _redis = redis;
        _hub = hub;
        _time = time;
        _logger = logger;
        // Redis down at start stops nothing: until the subscriptions hold, this replica's changes go to its own
        // dashboards, and the gap is announced once they do.
        _events = new(redis, Channel, (_, message) => OnEvent((byte[])message!), logger);
        _gaps = new(redis, Gaps, (_, message) => OnGap(message), logger);
        if (!redis.IsConnected)
        {
            _gapSince = time.GetUtcNow();
        }
    }

    public void Publish(Recording recording)
    {
        var message = _hub.Serialize(recording);
        _hub.Broadcast(message);
        if (!_redis.IsConnected)
        {
            BeginGap("not connected");
            return;
        }

        _ = PublishAsync(message);
    }

    private async Task PublishAsync(byte[] message)
    {
        try
        {
            await _redis.GetSubscriber().PublishAsync(Channel, (byte[])[.. _tag, .. message]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            BeginGap(ex.Message);
        }
    }

    // Another replica's change (this replica's own went to its dashboards when it was made).
    private void OnEvent(byte[] message)
    {
        if (message.Length > _tag.Length && !message.AsSpan(0, _tag.Length).SequenceEqual(_tag))
        {
            _hub.Broadcast(message.AsMemory(_tag.Length));
        }
    }

    private void BeginGap(string reason)
    {
        lock (_gate)
        {
            if (_gapSince is not null)
            {
                return;
            }

            _gapSince = _time.GetUtcNow();
        }

        LogGapBegins(reason);
    }

    private void OnRestored()
    {
        lock (_gate)
        {
            if (_gapSince is null || !_announcing.IsCompleted)
            {
                return;
            }

            _announcing = AnnounceAsync(_stopping.Token);
        }
    }

    // Announces the gap until this replica hears its own announcement back (its subscriptions hold again), then catches
    // its dashboards up. Other replicas catch theirs up on hearing it.
    private async Task AnnounceAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            DateTimeOffset since;
            TaskCompletionSource heard;
            lock (_gate)
            {
                // A change stamped a moment before the failure was noticed may be lost too.
                since = (_gapSince ?? _time.GetUtcNow()) - LiveEventHub.ReplayMargin;
                heard = _heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            try
            {
                var notice = JsonSerializer.SerializeToUtf8Bytes(new GapNotice(_replica, since));
                await _redis.GetSubscriber().PublishAsync(Gaps, notice);
                await heard.Task.WaitAsync(AnnounceInterval, _time, stopping);
                lock (_gate)
                {
                    _gapSince = null;
                }

                LogGapEnded(since);
                return;
            }
            catch (TimeoutException)
            {
                // Not heard within the interval (or Redis's own timeout): announce again.
            }
            catch (RedisException)
            {
                // Not connected yet: try again in a moment.
                try
                {
                    await Task.Delay(AnnounceInterval, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnGap(RedisValue message)
    {
        GapNotice? notice;
        try
        {
            notice = JsonSerializer.Deserialize<GapNotice>((byte[])message!);
        }
        catch (JsonException)
        {
            return;
        }

        if (notice is null)
        {
            return;
        }

        if (notice.Replica == _replica)
        {
            _heard?.TrySetResult();
        }

        _ = CatchUpAsync(notice.Since);
    }

    private async Task CatchUpAsync(DateTimeOffset since)
    {
        try
        {
            await _hub.CatchUpAsync(since, _stopping.Token);
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex) || ex is OperationCanceledException)
        {
            LogCatchUpFailed(ex.Message);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionFailed += OnFailed;
        _redis.ConnectionRestored += OnRestoredEvent;
        _events.Start();
        _gaps.Start();
        OnRestored(); // started while Redis was away: announce once the subscriptions hold
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Once: a host that stops twice, or disposes before it stops (a start that failed), finds nothing left to do.
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        _redis.ConnectionFailed -= OnFailed;
        _redis.ConnectionRestored -= OnRestoredEvent;
        await _stopping.CancelAsync();
        await _announcing;
        await _events.StopAsync();
        await _gaps.StopAsync();
    }

    private void OnFailed(object? sender, ConnectionFailedEventArgs e) => BeginGap(e.FailureType.ToString());

    private void OnRestoredEvent(object? sender, ConnectionFailedEventArgs e) => OnRestored();

    // The token source is cancelled here, never disposed: the host may still stop this after its container disposed
    // it (under WebApplicationFactory the entry point's own Run disposes the host while the factory stops it), and a
    // source with no timer and no link holds nothing to release.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _redis.ConnectionFailed -= OnFailed;
            _redis.ConnectionRestored -= OnRestoredEvent;
        }

        _stopping.Cancel();
        _events.Dispose();
        _gaps.Dispose();
    }

    private sealed record GapNotice(string Replica, DateTimeOffset Since);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Live events: Redis is away ({Reason}); "
            + "this replica's changes go to its own dashboards until it is back, then every dashboard catches up"
    )]
    private partial void LogGapBegins(string reason);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Live events: Redis is back; every replica's dashboards catch up on changes since {Since}"
    )]
    private partial void LogGapEnded(DateTimeOffset since);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Live events: dashboards could not catch up after a gap ({Reason}); a reconnecting dashboard replays it"
    )]
    private partial void LogCatchUpFailed(string reason);
}
