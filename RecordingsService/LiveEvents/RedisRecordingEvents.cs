using RecordingsService.Recordings;
using ServiceDefaults.Redis;
using StackExchange.Redis;

namespace RecordingsService.LiveEvents;

/// <summary>
/// Live events across replicas (REDIS_URL): each change is published once on a Redis channel, and every replica
/// (this one included) sends what it receives there to its own dashboards, so a callback stored by any replica reaches
/// every dashboard. Redis pub/sub rather than PostgreSQL's LISTEN/NOTIFY: Redis is what the gateways share already,
/// it works whichever database a replica uses, and its messages have no 8 KB limit. Pub/sub keeps nothing: while
/// Redis is away this replica's own dashboards still get its changes, and a dashboard that reconnects replays the gap
/// from the database (<c>/ws?since=</c>).
/// </summary>
internal sealed partial class RedisRecordingEvents(IConnectionMultiplexer redis, LiveEventHub hub, ILogger<RedisRecordingEvents> logger) : IRecordingEvents, IHostedService, IDisposable
{
    private static readonly RedisChannel Channel = RedisChannel.Literal(RedisSettings.KeyPrefix + "recording-events");

    // Redis down at start stops nothing: until the subscription holds, this replica's changes go to its own
    // dashboards (Publish sees the multiplexer disconnected) and reconnecting dashboards replay the rest.
    private readonly RedisSubscription _subscription = new(redis, Channel, (_, message) => hub.Broadcast((byte[])message!), logger);

    public void Publish(Recording recording)
    {
        var message = hub.Serialize(recording);
        if (!redis.IsConnected)
        {
            hub.Broadcast(message);
            return;
        }

        _ = PublishAsync(message);
    }

    private async Task PublishAsync(byte[] message)
    {
        try
        {
            await redis.GetSubscriber().PublishAsync(Channel, message);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogLocalOnly(ex.Message);
            hub.Broadcast(message);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _subscription.StopAsync();

    public void Dispose() => _subscription.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live event not published through Redis ({Reason}); sent to this replica's dashboards only")]
    private partial void LogLocalOnly(string reason);
}
