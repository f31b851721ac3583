using System.Security.Cryptography;
using System.Text;
using AuthService.Encryption;
using AuthService.Storage;
using Dapper;

namespace AuthService.SecondFactor;

/// <summary>A user's TOTP secret as stored: <see cref="Confirmed"/> false while they are still enrolling.</summary>
public sealed record StoredSecondFactor(string Secret, bool Confirmed, long LastStep)
{
    /// <summary>The secret as the row holds it (sealed): writes that depend on it compare this, never the plaintext.</summary>
    internal string Sealed { get; init; } = "";
}

/// <summary>
/// Second factors and recovery codes, sealed at rest (<see cref="SecretSealer"/>): the TOTP secret, and each recovery
/// code's SHA-256. Every "accept once" is one conditional write, so two replicas (or two tabs) presenting the same code
/// at once cannot both succeed.
/// </summary>
public sealed class SecondFactorStore(AuthDatabase database, SecretSealer sealer)
{
    public async Task<StoredSecondFactor?> FindAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string Secret, long? ConfirmedAt, long LastStep)>(
            "SELECT secret, confirmed_at, last_step FROM second_factors WHERE username = @username",
            new { username }
        );
        return row.Secret is null
            ? null
            : new StoredSecondFactor(sealer.Open(row.Secret, SecretContext(username)), row.ConfirmedAt is not null, row.LastStep)
            {
                Sealed = row.Secret,
            };
    }

    /// <summary>Starts (or restarts) enrolling with a new secret; false when the user already has a confirmed one.</summary>
    public async Task<bool> BeginAsync(string username, string secret, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var written = await connection.ExecuteAsync(
            """
            INSERT INTO second_factors (username, secret, created_at) VALUES (@username, @secret, @now)
            ON CONFLICT (username) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = -1
            WHERE second_factors.confirmed_at IS NULL
            """,
            new
            {
                username,
                secret = sealer.Seal(secret, SecretContext(username)),
                now = now.ToUnixTimeMilliseconds(),
            }
        );
        return written == 1;
    }

    /// <summary>
    /// Marks the time step <paramref name="step"/> used, if no later or equal step was: false means the code was
    /// already spent (a replay) or the secret changed meanwhile.
    /// </summary>
    public async Task<bool> TryUseStepAsync(string username, StoredSecondFactor factor, long step, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
                "UPDATE second_factors SET last_step = @step WHERE username = @username AND secret = @secret AND last_step < @step",
                new
                {
                    username,
                    secret = factor.Sealed,
                    step,
                }
            ) == 1;
    }

    /// <summary>Confirms the pending secret (at the step its first code was accepted) and stores the recovery codes' hashes.</summary>
    public async Task<bool> ConfirmAsync(
        string username,
        StoredSecondFactor pending,
        long step,
        IReadOnlyList<string> recoveryCodeHashes,
        DateTimeOffset now,
        CancellationToken cancellationToken = default
    )
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var confirmed = await connection.ExecuteAsync(
            "UPDATE second_factors SET confirmed_at = @now, last_step = @step WHERE username = @username AND secret = @secret AND "
                + "confirmed_at IS NULL AND last_step < @step",
            new
            {
                username,
                secret = pending.Sealed,
                step,
                now = now.ToUnixTimeMilliseconds(),
            },
            transaction
        );
        if (confirmed != 1)
        {
            return false;
        }

        await connection.ExecuteAsync("DELETE FROM recovery_codes WHERE username = @username", new { username }, transaction);
        foreach (var hash in recoveryCodeHashes)
        {
            await connection.ExecuteAsync(
                "INSERT INTO recovery_codes (username, code_hash) VALUES (@username, @hash)",
                new { username, hash = sealer.Seal(hash, RecoveryContext(username)) },
                transaction
            );
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Spends a recovery code: true only the first time a stored, unused code is presented.</summary>
    public async Task<bool> TryUseRecoveryCodeAsync(
        string username,
        string codeHash,
        DateTimeOffset now,
        CancellationToken cancellationToken = default
    )
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var unused = await connection.QueryAsync<string>(
            "SELECT code_hash FROM recovery_codes WHERE username = @username AND used_at IS NULL",
            new { username }
        );
        var presented = Encoding.UTF8.GetBytes(codeHash);
        // At most ten rows: each is opened and compared in constant time.
        var match = unused.FirstOrDefault(stored =>
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sealer.Open(stored, RecoveryContext(username))), presented)
        );
        return match is not null
            && await connection.ExecuteAsync(
                "UPDATE recovery_codes SET used_at = @now WHERE username = @username AND code_hash = @match AND used_at IS NULL",
                new
                {
                    username,
                    match,
                    now = now.ToUnixTimeMilliseconds(),
                }
            ) == 1;
    }

    public async Task<int> UnusedRecoveryCodesAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (int)
            await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM recovery_codes WHERE username = @username AND used_at IS NULL",
                new { username }
            );
    }

    /// <summary>Removes the second factor and its recovery codes; true when there was one.</summary>
    public async Task<bool> RemoveAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var removed = await connection.ExecuteAsync("DELETE FROM second_factors WHERE username = @username", new { username }, transaction);
        await connection.ExecuteAsync("DELETE FROM recovery_codes WHERE username = @username", new { username }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return removed == 1;
    }

    /// <summary>
    /// Seals again with DATA_ENCRYPTION_KEY every value sealed with the previous key or stored before encryption
    /// (each row changed only if it is still what was read).
    /// </summary>
    /// <returns>How many secrets and recovery codes were sealed again.</returns>
    public async Task<(int Secrets, int RecoveryCodes)> ReencryptAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var secrets = 0;
        foreach (var (username, stored) in await connection.QueryAsync<(string, string)>("SELECT username, secret FROM second_factors"))
        {
            if (!sealer.IsCurrent(stored))
            {
                secrets += await connection.ExecuteAsync(
                    "UPDATE second_factors SET secret = @sealed WHERE username = @username AND secret = @stored",
                    new
                    {
                        username,
                        stored,
                        @sealed = sealer.Seal(sealer.Open(stored, SecretContext(username)), SecretContext(username)),
                    }
                );
            }
        }

        var codes = 0;
        foreach (var (username, stored) in await connection.QueryAsync<(string, string)>("SELECT username, code_hash FROM recovery_codes"))
        {
            if (!sealer.IsCurrent(stored))
            {
                codes += await connection.ExecuteAsync(
                    "UPDATE recovery_codes SET code_hash = @sealed WHERE username = @username AND code_hash = @stored",
                    new
                    {
                        username,
                        stored,
                        @sealed = sealer.Seal(sealer.Open(stored, RecoveryContext(username)), RecoveryContext(username)),
                    }
                );
            }
        }

        return (secrets, codes);
    }

    // What each sealed value is bound to: its table, column and user.
    private static string SecretContext(string username) => "second_factors.secret:" + username;

    private static string RecoveryContext(string username) => "recovery_codes.code_hash:" + username;
}
