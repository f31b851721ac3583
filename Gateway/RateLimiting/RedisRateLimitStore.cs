using Platform.Security.SignIn;
using ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Gateway.RateLimiting;

/// <summary>
/// The rate-limit counters shared by every gateway, in Redis (REDIS_URL). Each operation is one Lua script, so it is
/// atomic across gateways; windows and delays are on Redis's clock (<c>TIME</c>), so gateways with skewed clocks agree;
/// every key is under <see cref="RedisSettings.KeyPrefix"/> and expires with its window or memory. When Redis does not
/// answer, this gateway counts in its own memory at once (limits still apply, per gateway), logs it once and reports
/// Degraded on <c>/health/ready</c>; it goes back to Redis as soon as Redis answers. (Lua scripts, rather than the
/// RedisRateLimiting package: that package answers with its own headers and rounding, and has no per-username state;
/// here the IETF headers and the exact <c>Retry-After</c> stay the middleware's, whatever store counts.)
/// </summary>
internal sealed partial class RedisRateLimitStore(IConnectionMultiplexer redis, InMemoryRateLimitStore local, ILogger<RedisRateLimitStore> logger)
    : IRateLimitStore
{
    private const string Prefix = RedisSettings.KeyPrefix + "rate-limit:";

    private const string HitScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(ARGV[1])
        local start = now - (now % window)
        local key = KEYS[1] .. ':' .. start
        local count = redis.call('INCR', key)
        if count == 1 then redis.call('PEXPIRE', key, window + 1000) end
        return {count, start + window}
        """;

    private const string ReturnScript = """
        local count = tonumber(redis.call('GET', KEYS[1]) or '0')
        if count > 0 then redis.call('DECR', KEYS[1]) end
        return count
        """;

    // The rule of SignInSlowdown.DelayAfter: free failures, then 2 s, 4 s, … at most the maximum.
    private const string BeginSignInScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local memory = tonumber(ARGV[1])
        local free = tonumber(ARGV[2])
        local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
        local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
        if now - last >= memory then count = 0 end
        if count > free then
          local wait = last + math.min(2 ^ (count - free) * 1000, tonumber(ARGV[3])) - now
          if wait > 0 then return wait end
        end
        redis.call('HSET', KEYS[1], 'count', count + 1, 'last', now)
        redis.call('PEXPIRE', KEYS[1], memory)
        return 0
        """;

    private const string UncountScript = """
        local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
        if count > 0 then redis.call('HSET', KEYS[1], 'count', count - 1) end
        return count
        """;

    private const string BeginDeviceScript = """
        local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
        if count >= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 'count', count + 1)
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
        return 1
        """;

    private int _alone;

    /// <summary>True while Redis does not answer and this gateway counts alone.</summary>
    public bool IsAlone => Volatile.Read(ref _alone) == 1;

    /// <summary>Asks Redis (readiness does, every probe): true when the counters are shared, after a quiet outage too.</summary>
    public async Task<bool> CheckAsync() =>
        await SharedAsync(
            async database =>
            {
                await database.PingAsync();
                return true;
            },
            () => ValueTask.FromResult(false)
        );

    public ValueTask<WindowCount> HitAsync(string key, TimeSpan window, CancellationToken cancellationToken) =>
        SharedAsync(
            async database =>
            {
                var result = (RedisResult[])
                    (await database.ScriptEvaluateAsync(HitScript, [Prefix + "window:" + key], [(long)window.TotalMilliseconds]))!;
                return new WindowCount((long)result[0], DateTimeOffset.FromUnixTimeMilliseconds((long)result[1]));
            },
            () => local.HitAsync(key, window, cancellationToken)
        );

    // The hit's own window (its key names the window's start), never a later one.
    public ValueTask ReturnAsync(string key, TimeSpan window, WindowCount hit, CancellationToken cancellationToken) =>
        SharedAsync(
                database =>
                    database.ScriptEvaluateAsync(
                        ReturnScript,
                        [$"{Prefix}window:{key}:{hit.ResetsAt.ToUnixTimeMilliseconds() - (long)window.TotalMilliseconds}"]
                    ),
                () => Done(local.ReturnAsync(key, window, hit, cancellationToken), RedisResult.Create(0))
            )
            .AsVoid();

    public ValueTask<TimeSpan> TryBeginSignInAsync(string username, CancellationToken cancellationToken) =>
        SharedAsync(
            async database =>
                TimeSpan.FromMilliseconds(
                    (long)
                        await database.ScriptEvaluateAsync(
                            BeginSignInScript,
                            [SignInKey(username)],
                            [
                                (long)InMemoryRateLimitStore.FailureMemory.TotalMilliseconds,
                                SignInSlowdown.FreeFailures,
                                (long)SignInSlowdown.MaxDelay.TotalMilliseconds,
                            ]
                        )
                ),
            () => local.TryBeginSignInAsync(username, cancellationToken)
        );

    public ValueTask EndSignInAsync(string username, SignInOutcome outcome, CancellationToken cancellationToken) =>
        outcome switch
        {
            SignInOutcome.Succeeded => SharedAsync(
                    database => database.KeyDeleteAsync(SignInKey(username)),
                    () => Done(local.EndSignInAsync(username, outcome, cancellationToken))
                )
                .AsVoid(),
            SignInOutcome.Undecided => SharedAsync(
                    database => database.ScriptEvaluateAsync(UncountScript, [SignInKey(username)]),
                    () => Done(local.EndSignInAsync(username, outcome, cancellationToken), RedisResult.Create(0))
                )
                .AsVoid(),
            _ => ValueTask.CompletedTask, // a failure stays counted
        };

    public ValueTask<bool> TryBeginDeviceSignInAsync(string deviceId, CancellationToken cancellationToken) =>
        SharedAsync(
            async database =>
                (long)
                    await database.ScriptEvaluateAsync(
                        BeginDeviceScript,
                        [DeviceKey(deviceId)],
                        [DeviceTokens.FailureBudget, (long)DeviceTokens.Lifetime.TotalMilliseconds]
                    ) == 1,
            () => local.TryBeginDeviceSignInAsync(deviceId, cancellationToken)
        );

    public ValueTask EndDeviceSignInAsync(string deviceId, SignInOutcome outcome, CancellationToken cancellationToken) =>
        outcome switch
        {
            SignInOutcome.Succeeded => SharedAsync(
                    database => database.KeyDeleteAsync(DeviceKey(deviceId)),
                    () => Done(local.EndDeviceSignInAsync(deviceId, outcome, cancellationToken))
                )
                .AsVoid(),
            SignInOutcome.Undecided => SharedAsync(
                    database => database.ScriptEvaluateAsync(UncountScript, [DeviceKey(deviceId)]),
                    () => Done(local.EndDeviceSignInAsync(deviceId, outcome, cancellationToken), RedisResult.Create(0))
                )
                .AsVoid(),
            _ => ValueTask.CompletedTask,
        };

    private static RedisKey SignInKey(string username) => Prefix + "username:" + username;

    private static RedisKey DeviceKey(string deviceId) => Prefix + "device:" + deviceId;

    private static async ValueTask<bool> Done(ValueTask local)
    {
        await local;
        return true;
    }

    private static async ValueTask<RedisResult> Done(ValueTask local, RedisResult result)
    {
        await local;
        return result;
    }

    private async ValueTask<T> SharedAsync<T>(Func<IDatabase, Task<T>> shared, Func<ValueTask<T>> alone)
    {
        if (!redis.IsConnected)
        {
            GoAlone("not connected");
            return await alone();
        }

        try
        {
            var result = await shared(redis.GetDatabase());
            if (Interlocked.Exchange(ref _alone, 0) == 1)
            {
                LogShared();
            }

            return result;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            GoAlone(ex.Message);
            return await alone();
        }
    }

    private void GoAlone(string reason)
    {
        if (Interlocked.Exchange(ref _alone, 1) == 0)
        {
            LogAlone(reason);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "Rate limits: Redis does not answer ({Reason}); this gateway counts alone until it does (limits apply per gateway)"
    )]
    private partial void LogAlone(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limits: shared through Redis again")]
    private partial void LogShared();
}

internal static class ValueTaskExtensions
{
    public static async ValueTask AsVoid<T>(this ValueTask<T> task) => await task;
}
