using AuthService.Storage;
using Dapper;

namespace AuthService.Passkeys;

/// <summary>A passkey as stored: what checks its next signature.</summary>
public sealed record StoredPasskey(string Id, string Username, string UserHandle, string PublicKey, long SignCount);

/// <summary>A passkey as its owner sees it.</summary>
public sealed record PasskeyView(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>A ceremony begun on any replica: its kind, for whom (registration) and the options the browser was sent.</summary>
public sealed record PasskeyCeremony(string Kind, string? Username, string Options);

/// <summary>
/// Passkeys and the ceremonies that create and use them, in the AuthService's database, so any replica finishes what
/// another began. Each "at most once" (a ceremony taken, a counter advanced) is one conditional write.
/// </summary>
public sealed class PasskeyStore(AuthDatabase database)
{
    public async Task<StoredPasskey?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StoredPasskey>(
            "SELECT id, username, user_handle AS UserHandle, public_key AS PublicKey, sign_count AS SignCount FROM passkeys WHERE id = @id",
            new { id }
        );
    }

    /// <summary>The WebAuthn user id the user's passkeys share, or null before their first.</summary>
    public async Task<string?> UserHandleAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<string>("SELECT user_handle FROM passkeys WHERE username = @username", new { username });
    }

    public async Task<IReadOnlyList<PasskeyView>> ListAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string Name, long CreatedAt, long? LastUsedAt)>(
            "SELECT id, name, created_at, last_used_at FROM passkeys WHERE username = @username ORDER BY created_at, id",
            new { username }
        );
        return
        [
            .. rows.Select(row => new PasskeyView(
                row.Id,
                row.Name,
                DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
                row.LastUsedAt is { } used ? DateTimeOffset.FromUnixTimeMilliseconds(used) : null
            )),
        ];
    }

    /// <returns>False when a passkey with this id is already stored (for anyone).</returns>
    public async Task<bool> AddAsync(StoredPasskey passkey, string name, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
                """
                INSERT INTO passkeys (id, username, user_handle, public_key, sign_count, name, created_at)
                VALUES (@Id, @Username, @UserHandle, @PublicKey, @SignCount, @name, @now)
                ON CONFLICT (id) DO NOTHING
                """,
                new
                {
                    passkey.Id,
                    passkey.Username,
                    passkey.UserHandle,
                    passkey.PublicKey,
                    passkey.SignCount,
                    name,
                    now = now.ToUnixTimeMilliseconds(),
                }
            ) == 1;
    }

    /// <summary>Records a use: the counter moves from <paramref name="seen"/> to <paramref name="next"/>, once.</summary>
    /// <returns>False when another use of the same passkey (a clone, or a replay racing this one) got there first.</returns>
    public async Task<bool> TryUseAsync(string id, long seen, long next, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
                "UPDATE passkeys SET sign_count = @next, last_used_at = @now WHERE id = @id AND sign_count = @seen",
                new
                {
                    id,
                    seen,
                    next,
                    now = now.ToUnixTimeMilliseconds(),
                }
            ) == 1;
    }

    public async Task<bool> DeleteAsync(string username, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM passkeys WHERE username = @username AND id = @id", new { username, id }) == 1;
    }

    public async Task<int> DeleteAllAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM passkeys WHERE username = @username", new { username });
    }

    public async Task BeginAsync(
        string id,
        PasskeyCeremony ceremony,
        DateTimeOffset now,
        DateTimeOffset expiresAt,
        CancellationToken cancellationToken = default
    )
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // Ceremonies nobody finished go with the next one begun.
        await connection.ExecuteAsync("DELETE FROM passkey_ceremonies WHERE expires_at < @now", new { now = now.ToUnixTimeMilliseconds() });
        await connection.ExecuteAsync(
            "INSERT INTO passkey_ceremonies (id, kind, username, options, expires_at) VALUES (@id, @Kind, @Username, @Options, @expiresAt)",
            new
            {
                id,
                ceremony.Kind,
                ceremony.Username,
                ceremony.Options,
                expiresAt = expiresAt.ToUnixTimeMilliseconds(),
            }
        );
    }

    /// <summary>Takes the ceremony: the first request to ask gets it, on any replica; later ones, and expired ones, get null.</summary>
    public async Task<PasskeyCeremony?> TakeAsync(string id, string kind, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string Kind, string? Username, string Options, long ExpiresAt)>(
            "DELETE FROM passkey_ceremonies WHERE id = @id RETURNING kind, username, options, expires_at",
            new { id }
        );
        return row.Options is null || row.Kind != kind || row.ExpiresAt < now.ToUnixTimeMilliseconds()
            ? null
            : new PasskeyCeremony(row.Kind, row.Username, row.Options);
    }
}
