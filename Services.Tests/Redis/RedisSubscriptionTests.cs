using Microsoft.Extensions.Logging.Abstractions;
using ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Services.Tests.Redis;

/// <summary>
/// A subscription still waiting for Redis stops cleanly whichever comes first, the host's stop or the container's
/// dispose (under a WebApplicationFactory both run at once).
/// </summary>
public sealed class RedisSubscriptionTests
{
    [Fact]
    public async Task DisposedBeforeStopped_WhileWaitingForRedis_StopsWithoutAnError()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.StopAsync();
        var options = RedisSettings.TryParse(redis.Url, out var problem) ?? throw new InvalidOperationException(problem);
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
        Assert.False(multiplexer.IsConnected);

        var subscription = new RedisSubscription(multiplexer, RedisChannel.Literal("test"), (_, _) => { }, NullLogger.Instance);
        subscription.Start();
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // its first attempt failed: it waits to try again
        subscription.Dispose();
        await subscription.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
