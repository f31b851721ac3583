using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ServiceDefaults.Redis;

/// <summary>
/// A channel subscription that does not make Redis a start-up dependency: if Redis does not answer,
/// <see cref="Start"/> returns anyway and the subscription is retried every 2 s until it holds. Once it holds, the
/// multiplexer renews it after a reconnection by itself. For the hosted services that listen on a channel.
/// </summary>
public sealed partial class RedisSubscription(
    IConnectionMultiplexer redis,
    RedisChannel channel,
    Action<RedisChannel, RedisValue> handler,
    ILogger logger
) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _subscribing = Task.CompletedTask;

    public void Start() => _subscribing = Task.Run(SubscribeAsync, CancellationToken.None);

    /// <summary>Ends a pending attempt (an established subscription ends with the multiplexer).</summary>
    public async Task StopAsync()
    {
        if (!_subscribing.IsCompleted)
        {
            await _stopping.CancelAsync();
            await _subscribing;
        }
    }

    // The token source is cancelled here, never disposed: the host may still stop this after its container disposed
    // it (under WebApplicationFactory the entry point's own Run disposes the host while the factory stops it), and a
    // source with no timer and no link holds nothing to release.
    public void Dispose() => _stopping.Cancel();

    private async Task SubscribeAsync()
    {
        var failures = 0;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await redis.GetSubscriber().SubscribeAsync(channel, handler);
                if (failures > 0)
                {
                    LogSubscribed(channel.ToString(), failures);
                }

                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                if (failures++ == 0)
                {
                    LogWaiting(channel.ToString(), ex.Message);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis channel {Channel}: cannot subscribe yet ({Reason}); retrying every 2 s")]
    private partial void LogWaiting(string channel, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis channel {Channel}: subscribed after {Failures} failed attempt(s)")]
    private partial void LogSubscribed(string channel, int failures);
}
