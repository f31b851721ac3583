using AuthService.Storage;
using Dapper;

namespace AuthService.SecondFactor;

/// <summary>A user's TOTP secret as stored: <see cref="Confirmed"/> false while they are still enrolling.</summary>
public sealed record StoredSecondFactor(string Secret, bool Confirmed, long LastStep);

/// <summary>
/// Second factors and recovery codes. Every "accept once" is one conditional write, so two replicas (or two tabs)
/// presenting the same code at once cannot both succeed.
/// </summary>
public sealed class SecondFactorStore(AuthDatabase database)
{
    public async Task<StoredSecondFactor?> FindAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string Secret, long? ConfirmedAt, long LastStep)>(
            "SELECT secret, confirmed_at, last_step FROM second_factors WHERE username = @username", new { username });
        return row.Secret is null ? null : new StoredSecondFactor(row.Secret, row.ConfirmedAt is not null, row.LastStep);
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
            new { username, secret, now = now.ToUnixTimeMilliseconds() });
        return written == 1;
    }

    /// <summary>
    /// Marks the time step <paramref name="step"/> used, if no later or equal step was: false means the code was
    /// already spent (a replay) or the secret changed meanwhile.
    /// </summary>
    public async Task<bool> TryUseStepAsync(string username, string secret, long step, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE second_factors SET last_step = @step WHERE username = @username AND secret = @secret AND last_step < @step",
            new { username, secret, step }) == 1;
    }

    /// <summary>Confirms the pending secret (at the step its first code was accepted) and stores the recovery codes' hashes.</summary>
    public async Task<bool> ConfirmAsync(string username, string secret, long step, IReadOnlyList<string> recoveryCodeHashes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var confirmed = await connection.ExecuteAsync(
            "UPDATE second_factors SET confirmed_at = @now, last_step = @step WHERE username = @username AND secret = @secret AND confirmed_at IS NULL AND last_step < @step",
            new { username, secret, step, now = now.ToUnixTimeMilliseconds() }, transaction);
        if (confirmed != 1)
        {
            return false;
        }

        await connection.ExecuteAsync("DELETE FROM recovery_codes WHERE username = @username", new { username }, transaction);
        foreach (var hash in recoveryCodeHashes)
        {
            await connection.ExecuteAsync("INSERT INTO recovery_codes (username, code_hash) VALUES (@username, @hash)", new { username, hash }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Spends a recovery code: true only the first time a stored, unused code is presented.</summary>
    public async Task<bool> TryUseRecoveryCodeAsync(string username, string codeHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE recovery_codes SET used_at = @now WHERE username = @username AND code_hash = @codeHash AND used_at IS NULL",
            new { username, codeHash, now = now.ToUnixTimeMilliseconds() }) == 1;
    }

    public async Task<int> UnusedRecoveryCodesAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (int)await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM recovery_codes WHERE username = @username AND used_at IS NULL", new { username });
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
}
