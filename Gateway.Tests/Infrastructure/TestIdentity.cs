using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Infrastructure;

/// <summary>A signing key the tests hold, as the AuthService would.</summary>
public sealed class TestSigningKey
{
    public TestSigningKey(string kid)
    {
        Kid = kid;
        Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        SecurityKey = new ECDsaSecurityKey(Key) { KeyId = kid };
    }

    public string Kid { get; }
    public ECDsa Key { get; }
    public ECDsaSecurityKey SecurityKey { get; }

    public object Jwk()
    {
        var parameters = Key.ExportParameters(false);
        return new
        {
            kty = "EC",
            crv = "P-256",
            alg = "ES256",
            use = "sig",
            kid = Kid,
            x = Base64UrlEncoder.Encode(parameters.Q.X),
            y = Base64UrlEncoder.Encode(parameters.Q.Y),
        };
    }
}

/// <summary>
/// Stands in for the AuthService's public side: JWKS and the revocation feed, served by a tiny Kestrel app, and
/// tokens minted with keys the test controls (valid ones and every kind of bad one).
/// </summary>
public sealed class TestIdentity : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new();
    private long _revocationCursor;
    private DateTimeOffset? _revokedBefore;

    private TestIdentity(FakeBackend backend)
    {
        Backend = backend;
        Published.Add(Key);
    }

    public FakeBackend Backend { get; }

    /// <summary>The time tokens are issued at: the gateway's clock (a fake one in tests that move time).</summary>
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;
    public TestSigningKey Key { get; } = new("test-key-1");
    public List<TestSigningKey> Published { get; } = [];
    public Uri JwksUrl => new(Backend.Url, "/.well-known/jwks.json");
    public Uri FeedUrl => new(Backend.Url, "/internal/revocations");

    public static async Task<TestIdentity> StartAsync()
    {
        var backend = await FakeBackend.StartAsync();
        var identity = new TestIdentity(backend);
        backend.Handler = identity.HandleAsync;
        return identity;
    }

    /// <summary>As <c>sessions revoke-all</c>: every token issued at or before <paramref name="at"/> is refused.</summary>
    public void RevokeAllBefore(DateTimeOffset at)
    {
        _revokedBefore = at;
        Interlocked.Increment(ref _revocationCursor);
    }

    public void Revoke(string sessionId)
    {
        _revoked[sessionId] = DateTimeOffset.UtcNow.AddHours(1);
        Interlocked.Increment(ref _revocationCursor);
    }

    /// <summary>A token as the AuthService issues it; every part can be overridden to make a bad one.</summary>
    public string Mint(
        string role = "admin",
        string subject = "alice",
        string? sessionId = null,
        TestSigningKey? key = null,
        DateTimeOffset? now = null,
        TimeSpan? lifetime = null,
        string issuer = "recordings-platform-auth",
        string audience = "recordings-platform",
        string type = "at+jwt",
        DateTimeOffset? notBefore = null,
        bool withExpiry = true,
        bool enrollOnly = false,
        IDictionary<string, object>? extraHeaders = null
    )
    {
        var issued = now ?? Clock();
        var signing = key ?? Key;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["role"] = role,
            ["sid"] = sessionId ?? Guid.NewGuid().ToString("N"),
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (enrollOnly)
        {
            claims["mfa_enroll"] = "totp"; // the AuthService's token for an admin who must first set up a second factor
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            new SecurityTokenDescriptor
            {
                Issuer = issuer,
                Audience = audience,
                TokenType = type,
                IssuedAt = issued.UtcDateTime,
                NotBefore = (notBefore ?? issued).UtcDateTime,
                Expires = withExpiry ? (issued + (lifetime ?? TimeSpan.FromMinutes(15))).UtcDateTime : null,
                Claims = claims,
                AdditionalHeaderClaims = extraHeaders,
                SigningCredentials = new SigningCredentials(signing.SecurityKey, SecurityAlgorithms.EcdsaSha256),
            }
        );
    }

    private Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == "/.well-known/jwks.json")
        {
            return context.Response.WriteAsJsonAsync(new { keys = Published.Select(k => k.Jwk()).ToArray() });
        }

        if (context.Request.Path == "/internal/revocations")
        {
            var sessions = _revoked.Select(r => new { sid = r.Key, expiresAt = r.Value }).ToArray();
            // The whole list every time, with a cursor that only grows: enough for a follower.
            var since = long.TryParse(context.Request.Query["since"], out var value) ? value : 0;
            var cursor = Interlocked.Read(ref _revocationCursor);
            return context.Response.WriteAsJsonAsync(
                new
                {
                    cursor,
                    sessions = since >= cursor ? [] : sessions,
                    revokedBefore = _revokedBefore,
                }
            );
        }

        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => Backend.DisposeAsync();
}

/// <summary>Hand-built tokens for what a library would never produce.</summary>
public static class ForgedTokens
{
    public static string Encode(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));

    public static string WithoutSignature(object header, object payload) => $"{Encode(header)}.{Encode(payload)}.";

    public static string Hs256(object header, object payload, byte[] secret)
    {
        var signingInput = $"{Encode(header)}.{Encode(payload)}";
        var signature = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{Base64UrlEncoder.Encode(signature)}";
    }
}
