using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Security.Tokens;

/// <summary>Where the public keys are read, how often, and how soon an unknown <c>kid</c> may trigger a re-read.</summary>
public sealed record JwksOptions(Uri JwksUrl, TimeSpan RefreshInterval, TimeSpan UnknownKidRefreshInterval)
{
    public static JwksOptions Default(Uri jwksUrl) => new(jwksUrl, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
}

/// <summary>
/// The AuthService's public keys (JWKS), re-read every <see cref="JwksOptions.RefreshInterval"/> so a retired key stops
/// verifying within a minute, and at most once per <see cref="JwksOptions.UnknownKidRefreshInterval"/> when a token names
/// a key we have not seen (a new key). Only EC P-256 keys for ES256 are kept. If JWKS cannot be read, the last keys
/// stay in use, every failure is logged, and the next read comes sooner: 1 s, 2 s, 4 s… up to the refresh interval
/// (a service started before the AuthService accepts tokens within seconds of it coming up, not half a minute).
/// </summary>
public sealed partial class JwksKeyCache(IHttpClientFactory httpClients, JwksOptions options, TimeProvider time, ILogger<JwksKeyCache> logger)
    : BackgroundService
{
    public const string HttpClientName = "jwks";
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Lock _unknownKidGate = new();
    private volatile Dictionary<string, SecurityKey> _keys = [];
    private DateTimeOffset _lastUnknownKidRefresh = DateTimeOffset.MinValue;

    public DateTimeOffset? LastSuccess { get; private set; }

    public bool Contains(string? kid) => kid is not null && _keys.ContainsKey(kid);

    /// <summary>False until a JWKS with at least one usable key has been read: until then no token can be checked.</summary>
    public bool HasKeys => _keys.Count > 0;

    public IEnumerable<SecurityKey> KeysFor(string? kid) => kid is not null && _keys.TryGetValue(kid, out var key) ? [key] : [];

    /// <summary>
    /// Before validating a token with an unknown <c>kid</c>: re-read JWKS, unless that was done within the last
    /// <see cref="JwksOptions.UnknownKidRefreshInterval"/> (a second: a key made to sign at once, <c>keys new --now</c>,
    /// is accepted everywhere within about a second; tokens naming made-up keys cost each verifier at most one JWKS
    /// read a second).
    /// </summary>
    public async ValueTask EnsureKnownAsync(string? kid, CancellationToken cancellationToken)
    {
        if (kid is null || _keys.ContainsKey(kid))
        {
            return;
        }

        var now = time.GetUtcNow();
        lock (_unknownKidGate)
        {
            if (now - _lastUnknownKidRefresh < options.UnknownKidRefreshInterval)
            {
                return;
            }

            _lastUnknownKidRefresh = now;
        }

        await RefreshAsync(cancellationToken);
    }

    /// <returns>False when JWKS could not be read (logged; the known keys stay).</returns>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            using var http = httpClients.CreateClient(HttpClientName);
            var json = await http.GetStringAsync(options.JwksUrl, cancellationToken);
            var keys = new Dictionary<string, SecurityKey>(StringComparer.Ordinal);
            foreach (var key in new JsonWebKeySet(json).Keys)
            {
                if (
                    key.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve
                    && key.Crv == JsonWebKeyECTypes.P256
                    && (string.IsNullOrEmpty(key.Alg) || key.Alg == SecurityAlgorithms.EcdsaSha256)
                    && !string.IsNullOrEmpty(key.KeyId)
                    && !key.HasPrivateKey
                )
                {
                    keys[key.KeyId] = key;
                }
            }

            if (!SameKeys(keys))
            {
                LogKeys(keys.Count, string.Join(", ", keys.Keys));
            }

            _keys = keys;
            LastSuccess = time.GetUtcNow();
            return true;
        }
        catch (Exception ex)
            when (ex is HttpRequestException or ArgumentException or JsonException
                || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
            )
        {
            LogFailed(options.JwksUrl, ex.Message, _keys.Count);
            return false;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            if (await RefreshAsync(stoppingToken))
            {
                wait = options.RefreshInterval;
                retry = FirstRetry;
            }
            else
            {
                wait = retry < options.RefreshInterval ? retry : options.RefreshInterval;
                retry = wait * 2;
            }

            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _refreshing.Dispose();
        base.Dispose();
    }

    private bool SameKeys(Dictionary<string, SecurityKey> keys) => keys.Count == _keys.Count && keys.Keys.All(_keys.ContainsKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Token signing keys now: {Count} ({Kids})")]
    private partial void LogKeys(int count, string kids);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read JWKS from {JwksUrl}: {Reason}; keeping the {Count} known key(s)")]
    private partial void LogFailed(Uri jwksUrl, string reason, int count);
}
