using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Platform.Security.Tls;
using StackExchange.Redis;

namespace Gateway.Tls.SessionTickets;

/// <summary>
/// One TLS session ticket key for every gateway replica, so a returning client resumes its session on whichever
/// replica it reaches: read from TLS_TICKET_KEY_FILE (80 random bytes the operator gives every replica and replaces
/// to rotate; re-read when it changes), or else, with REDIS_URL, a random key per hour that the first replica to need
/// it stores in Redis for two hours (<see cref="RedisTicketKeys"/>). A new key is set at once on the gateway's TLS
/// context (a handshake with itself), and every accepted connection checks that its context has it (a renewed
/// certificate gets a new context). Tickets made under an earlier key are not accepted: their clients make one full
/// handshake and get a ticket under the new key.
/// </summary>
internal sealed partial class SharedTicketKeys(
    CertificateStore certificates,
    string? keyFile,
    RedisTicketKeys? redis,
    TimeProvider time,
    ILogger<SharedTicketKeys> logger
) : BackgroundService
{
    private volatile CurrentKey? _current;
    private volatile string? _notShared;
    private FileChangeWatcher? _watcher;

    /// <summary>For readiness: why the key is not shared, or which key is in use.</summary>
    public (bool Shared, string Description) State =>
        _notShared is { } reason ? (false, "not shared: " + reason)
        : _current is { } current ? (true, $"key {KeyName(current.Key)} from {current.Source}")
        : (false, "no shared key yet: Redis has not answered; each gateway uses its own");

    /// <summary>The first key is in place before the host starts Kestrel (hosted services start first).</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (OpenSslTicketKeys.Unavailable is { } reason)
        {
            _notShared = reason;
            LogUnavailable(reason);
            return;
        }

        if (!certificates.ResumptionEnabled)
        {
            _notShared = "TLS session resumption is off (OPENSSL_CONF does not name Tls/openssl.cnf)";
            LogResumptionOff();
            return;
        }

        certificates.Changed += () => _ = PrimeAsync();
        if (keyFile is not null)
        {
            await UseAsync(File.ReadAllBytes(keyFile), "TLS_TICKET_KEY_FILE");
            _watcher = new FileChangeWatcher([keyFile], () => _ = ReloadFileAsync(keyFile));
        }
        else if (redis is not null)
        {
            await RefreshFromRedisAsync(cancellationToken);
            await base.StartAsync(cancellationToken);
        }
    }

    /// <summary>With Redis: the hourly rotation.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RedisTicketKeys.UntilNextCheck(time.GetUtcNow()), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RefreshFromRedisAsync(stoppingToken);
        }
    }

    /// <summary>Kestrel connection middleware, after the TLS handshake: the connection's context gets the current key.</summary>
    public ConnectionDelegate OnConnection(ConnectionDelegate next) =>
        connection =>
        {
            if (_current?.Key is { } key && connection.Features.Get<ISslStreamFeature>()?.SslStream is { } tls && OpenSslTicketKeys.Apply(tls, key))
            {
                LogApplied(KeyName(key), "a new TLS context");
            }

            return next(connection);
        };

    private async Task ReloadFileAsync(string path)
    {
        byte[] key;
        try
        {
            key = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFileUnreadable(path, e.Message);
            return;
        }

        if (key.Length != OpenSslTicketKeys.KeyLength)
        {
            LogFileWrongLength(path, key.Length);
            return;
        }

        await UseAsync(key, "TLS_TICKET_KEY_FILE");
    }

    private async Task RefreshFromRedisAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (key, period) = await redis!.CurrentAsync(time.GetUtcNow(), cancellationToken);
            await UseAsync(key, $"Redis (hour {period})");
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidDataException)
        {
            // Fail safe: the current key stays in use (or OpenSSL's own, per process, before the first one arrives).
            LogRedisFailed(e.Message);
        }
    }

    private async Task UseAsync(byte[] key, string source)
    {
        if (_current is { } previous && previous.Key.AsSpan().SequenceEqual(key))
        {
            return;
        }

        _current = new CurrentKey(key, source);
        LogUsing(KeyName(key), source);
        await PrimeAsync();
    }

    /// <summary>Sets the current key on the TLS context Kestrel's connections use, before the next client arrives.</summary>
    private async Task PrimeAsync()
    {
        if (_current?.Key is not { } key)
        {
            return;
        }

        bool served;
        try
        {
            served = await LoopbackHandshake.RunAsync(
                certificates.CreateServerOptions(),
                new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 },
                tls => OpenSslTicketKeys.Apply(tls, key)
            );
        }
        catch (SocketException)
        {
            served = false;
        }

        if (!served)
        {
            LogPrimingFailed();
        }
    }

    /// <summary>The key in use and where it came from, replaced as one.</summary>
    private sealed record CurrentKey(byte[] Key, string Source);

    /// <summary>The first 4 bytes of the key's name: the name travels in the clear in every ticket, the rest is secret.</summary>
    private static string KeyName(byte[] key) => Convert.ToHexStringLower(key, 0, 4);

    public override void Dispose()
    {
        _watcher?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "TLS session tickets: key {KeyName} from {Source}, shared by every gateway given the same"
    )]
    private partial void LogUsing(string keyName, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS session tickets: key {KeyName} set on {Context}")]
    private partial void LogApplied(string keyName, string context);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "TLS session ticket keys cannot be shared: {Reason}. "
            + "Each gateway replica keeps its own, so a client resumes its TLS session only on the replica it met before."
    )]
    private partial void LogUnavailable(string reason);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "TLS session ticket keys are not shared: TLS session resumption is off (see the warning above), so there are no tickets to share."
    )]
    private partial void LogResumptionOff();

    [LoggerMessage(Level = LogLevel.Error, Message = "TLS_TICKET_KEY_FILE {Path} cannot be read ({Problem}); the previous key stays in use")]
    private partial void LogFileUnreadable(string path, string problem);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "TLS_TICKET_KEY_FILE {Path} now holds {Length} bytes, not 80 (openssl rand 80 > FILE); the previous key stays in use"
    )]
    private partial void LogFileWrongLength(string path, int length);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "TLS session ticket key not read from Redis ({Problem}); the current key stays in use until it can be"
    )]
    private partial void LogRedisFailed(string problem);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "TLS session tickets: the gateway's handshake with itself failed, so the new key is set on the next client connection instead"
    )]
    private partial void LogPrimingFailed();
}
