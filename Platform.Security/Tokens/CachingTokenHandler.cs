using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Security.Tokens;

/// <summary>
/// Verifying an ES256 signature costs more than everything else a verifier does per request, so successful
/// validations are remembered by token (at most <see cref="Capacity"/> of them). A remembered token is accepted only
/// while it is within its lifetime and its key is still published; revocation is checked on every request
/// after this handler (JwtBearer's OnTokenValidated), cached or not.
/// </summary>
public sealed class CachingTokenHandler(JwksKeyCache keys, TimeProvider time) : JsonWebTokenHandler, IDisposable
{
    public const int Capacity = 20_000;

    private readonly MemoryCache _validated = new(new MemoryCacheOptions { SizeLimit = Capacity, CompactionPercentage = 0.25 });

    /// <summary>True when this exact token was validated before (and has not been evicted).</summary>
    public bool Remembers(string token) => _validated.TryGetValue(token, out _);

    public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        // A hit hands back the very task that validated the token: nothing allocated on the common path.
        if (_validated.TryGetValue(token, out Validated? hit) && hit is not null && IsStillGood(hit, validationParameters.ClockSkew))
        {
            return hit.Result;
        }

        return ValidateAndRememberAsync(token, validationParameters);
    }

    private async Task<TokenValidationResult> ValidateAndRememberAsync(string token, TokenValidationParameters validationParameters)
    {
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt)
        {
            var entry = new Validated(Task.FromResult(result), jwt.Kid, jwt.ValidTo);
            var remaining = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero) + validationParameters.ClockSkew - time.GetUtcNow();
            if (remaining > TimeSpan.Zero)
            {
                _validated.Set(token, entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = remaining });
            }
        }

        return result;
    }

    private bool IsStillGood(Validated hit, TimeSpan skew) =>
        time.GetUtcNow().UtcDateTime <= hit.ValidTo + skew && keys.Contains(hit.Kid);

    public void Dispose() => _validated.Dispose();

    private sealed record Validated(Task<TokenValidationResult> Result, string Kid, DateTime ValidTo);
}
