using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ServiceDefaults.Redis;

/// <summary>
/// Subscribes to a channel without making Redis a start-up dependency: if Redis does not answer, the process starts
/// anyway and the subscription is retried every 2 s until it holds. Once it holds, the multiplexer renews it after a
/// reconnection by itself.
/// </summary>
public static partial class RedisSubscription
{
    /// <returns>The background attempt; it ends once subscribed or when <paramref name="stopping"/> is cancelled.</returns>
    public static Task SubscribeAsync(IConnectionMultiplexer redis, RedisChannel channel, Action<RedisChannel, RedisValue> handler, ILogger logger, CancellationToken stopping) =>
        Task.Run(async () =>
        {
            var failures = 0;
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await redis.GetSubscriber().SubscribeAsync(channel, handler);
                    if (failures > 0)
                    {
                        LogSubscribed(logger, channel.ToString(), failures);
                    }

                    return;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    if (failures++ == 0)
                    {
                        LogWaiting(logger, channel.ToString(), ex.Message);
                    }
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis channel {Channel}: cannot subscribe yet ({Reason}); retrying every 2 s")]
    private static partial void LogWaiting(ILogger logger, string channel, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis channel {Channel}: subscribed after {Failures} failed attempt(s)")]
    private static partial void LogSubscribed(ILogger logger, string channel, int failures);
}
