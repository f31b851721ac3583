using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Security.Tokens;

/// <summary>
/// Verifying an ES256 signature costs more than everything else a verifier does per request, so successful
/// validations are remembered by token (at most <see cref="Capacity"/> of them). A remembered token is accepted only
/// while it is within its lifetime and its key is still published; revocation is checked on every request, cached
/// or not (<see cref="PlatformAuthentication"/>). Lookups take the token as a span, so the hot path never copies
/// the token out of its header.
/// </summary>
public sealed class CachingTokenHandler : JsonWebTokenHandler
{
    public const int Capacity = 20_000;

    private readonly JwksKeyCache _keys;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ValidatedToken> _validated = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ValidatedToken>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public CachingTokenHandler(JwksKeyCache keys, TimeProvider time)
    {
        _keys = keys;
        _time = time;
        _bySpan = _validated.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>True when this exact token was validated before (whether or not it is still good).</summary>
    public bool Remembers(ReadOnlySpan<char> token) => _bySpan.ContainsKey(token);

    /// <summary>A validation of this exact token that still holds: within its lifetime (with the clock skew), its key still published.</summary>
    public bool TryRecall(ReadOnlySpan<char> token, TimeSpan clockSkew, out ValidatedToken validated) =>
        _bySpan.TryGetValue(token, out validated!) && IsStillGood(validated, clockSkew);

    public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        // A hit hands back the very task that validated the token: nothing allocated.
        if (TryRecall(token, validationParameters.ClockSkew, out var hit))
        {
            return hit.Result;
        }

        return ValidateAndRememberAsync(token, validationParameters);
    }

    private async Task<TokenValidationResult> ValidateAndRememberAsync(string token, TokenValidationParameters validationParameters)
    {
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (
            result.IsValid
            && result.SecurityToken is JsonWebToken jwt
            && _time.GetUtcNow().UtcDateTime < jwt.ValidTo + validationParameters.ClockSkew
        )
        {
            if (_validated.Count >= Capacity)
            {
                MakeRoom(validationParameters.ClockSkew);
            }

            _validated[token] = new ValidatedToken(Task.FromResult(result), jwt, result.ClaimsIdentity);
        }

        return result;
    }

    /// <summary>Drops what has expired; if that is not enough (20,000 live tokens), starts over: a miss only costs a verification.</summary>
    private void MakeRoom(TimeSpan clockSkew)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var (token, validated) in _validated)
        {
            if (now > validated.ValidTo + clockSkew)
            {
                _validated.TryRemove(token, out _);
            }
        }

        if (_validated.Count >= Capacity)
        {
            _validated.Clear();
        }
    }

    private bool IsStillGood(ValidatedToken hit, TimeSpan skew) => _time.GetUtcNow().UtcDateTime <= hit.ValidTo + skew && _keys.Contains(hit.Kid);
}

/// <summary>A token that passed validation, with what every request needs from it read once.</summary>
public sealed class ValidatedToken
{
    internal ValidatedToken(Task<TokenValidationResult> result, JsonWebToken token, ClaimsIdentity identity)
    {
        Result = result;
        Kid = token.Kid;
        ValidTo = token.ValidTo;
        Principal = new ClaimsPrincipal(identity);
        (Session, IssuedAt) = SessionOf(Principal);
    }

    /// <summary>What revocation is checked against: the <c>sid</c> claim and <c>iat</c> (Unix seconds); null when missing or malformed.</summary>
    internal static (string? Session, long? IssuedAt) SessionOf(ClaimsPrincipal? principal) =>
        (
            principal?.FindFirst(TokenConventions.SessionClaim)?.Value,
            long.TryParse(principal?.FindFirst("iat")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var iat) ? iat : null
        );

    internal Task<TokenValidationResult> Result { get; }

    internal string Kid { get; }

    internal DateTime ValidTo { get; }

    /// <summary>Shared by every request that presents this token; nothing in the platform changes a principal.</summary>
    public ClaimsPrincipal Principal { get; }

    /// <summary>The <c>sid</c> claim; null when the token has none (it is then refused).</summary>
    public string? Session { get; }

    /// <summary>The <c>iat</c> claim in Unix seconds; null when missing or malformed (the token is then refused).</summary>
    public long? IssuedAt { get; }
}
