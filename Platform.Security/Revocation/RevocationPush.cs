using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Platform.Security.Revocation;

/// <summary>
/// Revocations pushed through Redis pub/sub (REDIS_URL), so every verifier refuses a revoked session within a second
/// rather than a poll interval. The AuthService publishes after the revocation committed; the polled feed stays the
/// record and the fallback: a message lost while a verifier or Redis was away is read from the feed at the next poll.
/// </summary>
public static class RevocationPush
{
    public static readonly RedisChannel Channel = RedisChannel.Literal(RedisSettings.KeyPrefix + "revocations");

    public static string Serialize(IReadOnlyList<(string Sid, DateTimeOffset ExpiresAt)> sessions, DateTimeOffset? revokedBefore) =>
        JsonSerializer.Serialize(
            new PushMessage([.. sessions.Select(s => new FeedSession(s.Sid, s.ExpiresAt))], revokedBefore),
            PushJsonContext.Default.PushMessage
        );

    internal static PushMessage? Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, PushJsonContext.Default.PushMessage);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>For a verifier with REDIS_URL (a multiplexer registered): applies each pushed revocation at once.</summary>
internal sealed partial class RevocationSubscriber : IHostedService, IDisposable
{
    private readonly RevokedSessions _revoked;
    private readonly ILogger<RevocationSubscriber> _logger;
    private readonly RedisSubscription? _subscription;

    public RevocationSubscriber(RevokedSessions revoked, ILogger<RevocationSubscriber> logger, IConnectionMultiplexer? redis = null)
    {
        _revoked = revoked;
        _logger = logger;
        // Redis down at start stops nothing: the feed covers revocations until the subscription holds.
        _subscription = redis is null ? null : new RedisSubscription(redis, RevocationPush.Channel, (_, message) => Apply(message), logger);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription?.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _subscription?.StopAsync() ?? Task.CompletedTask;

    public void Dispose() => _subscription?.Dispose();

    private void Apply(RedisValue message)
    {
        if (RevocationPush.Deserialize(message.ToString()) is not { Sessions: not null } pushed || pushed.Sessions.Any(s => s?.Sid is null))
        {
            LogIgnored();
            return;
        }

        foreach (var session in pushed.Sessions)
        {
            _revoked.Add(session.Sid, session.ExpiresAt);
        }

        if (pushed.RevokedBefore is { } before)
        {
            _revoked.RevokeAllBefore(before);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a message on the revocation channel that is not a revocation")]
    private partial void LogIgnored();
}

internal sealed record PushMessage(IReadOnlyList<FeedSession> Sessions, DateTimeOffset? RevokedBefore);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PushMessage))]
internal sealed partial class PushJsonContext : JsonSerializerContext;
