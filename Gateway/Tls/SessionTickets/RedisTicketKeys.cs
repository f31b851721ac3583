using System.Globalization;
using System.Security.Cryptography;
using ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Gateway.Tls.SessionTickets;

/// <summary>
/// The TLS session ticket key of the current hour, the same for every gateway sharing REDIS_URL: the first replica to
/// ask in an hour stores a random key (SET NX) that expires after two hours; the others read that one. Past keys leave
/// Redis on their own, so a stolen Redis copy opens at most the last two hours' tickets.
/// </summary>
internal sealed class RedisTicketKeys(IConnectionMultiplexer redis)
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);

    private static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<(byte[] Key, long Period)> CurrentAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var period = now.ToUnixTimeSeconds() / (long)Period.TotalSeconds;
        var fresh = RandomNumberGenerator.GetBytes(OpenSslTicketKeys.KeyLength);
        var stored = await redis
            .GetDatabase()
            .StringSetAndGetAsync(KeyFor(period), fresh, 2 * Period, keepTtl: false, When.NotExists)
            .WaitAsync(Timeout, cancellationToken);
        var key = stored.IsNull ? fresh : (byte[])stored!;
        return key.Length == OpenSslTicketKeys.KeyLength
            ? (key, period)
            : throw new InvalidDataException($"{KeyFor(period)} holds {key.Length} bytes, not {OpenSslTicketKeys.KeyLength}");
    }

    /// <summary>Once a minute (a Redis outage heals), and just after the hour turns, when the key changes.</summary>
    public static TimeSpan UntilNextCheck(DateTimeOffset now)
    {
        var intoPeriod = TimeSpan.FromSeconds(now.ToUnixTimeSeconds() % (long)Period.TotalSeconds);
        var untilNextPeriod = Period - intoPeriod + TimeSpan.FromMilliseconds(100);
        return untilNextPeriod < CheckInterval ? untilNextPeriod : CheckInterval;
    }

    public static RedisKey KeyFor(long period) =>
        string.Create(CultureInfo.InvariantCulture, $"{RedisSettings.KeyPrefix}gateway:tls-ticket-key:{period}");
}
