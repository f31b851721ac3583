using System.Data.Common;
using AuthService.Storage;
using Dapper;

namespace AuthService.Users;

internal sealed class UserStore(AuthDatabase database) : IUserStore
{
    private const string Columns =
        "username, password_hash AS PasswordHash, role, disabled, created_at AS CreatedAt, updated_at AS UpdatedAt, last_sign_in_at "
        + "AS LastSignInAt, version, "
        + "(SELECT COUNT(*) FROM second_factors f WHERE f.username = users.username AND f.confirmed_at IS NOT NULL) AS SecondFactor, "
        + "(SELECT COUNT(*) FROM passkeys p WHERE p.username = users.username) AS Passkeys";

    public async Task<User?> FindAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>($"SELECT {Columns} FROM users WHERE username = @username", new { username });
        return row?.ToUser();
    }

    public async Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<UserRow>($"SELECT {Columns} FROM users ORDER BY username");
        return [.. rows.Select(r => r.ToUser())];
    }

    public async Task<string?> SeedDigestAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>("SELECT hash_digest FROM admin_seed WHERE username = @username", new { username });
    }

    public async Task SetSeedDigestAsync(string username, string digest, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO admin_seed (username, hash_digest) VALUES (@username, @digest) ON CONFLICT (username) DO UPDATE SET "
                + "hash_digest = excluded.hash_digest",
            new { username, digest }
        );
    }

    public async Task<bool> CreateAsync(User user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(
            "INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at) VALUES (@Username, @PasswordHash, "
                + "@Role, @Disabled, @CreatedAt, @UpdatedAt) ON CONFLICT (username) DO NOTHING",
            new
            {
                user.Username,
                user.PasswordHash,
                user.Role,
                Disabled = user.Disabled ? 1 : 0,
                CreatedAt = user.CreatedAt.ToUnixTimeMilliseconds(),
                UpdatedAt = user.UpdatedAt.ToUnixTimeMilliseconds(),
            }
        );
        return inserted == 1;
    }

    public Task<UserChange> UpdateAsync(User updated, CancellationToken cancellationToken = default) =>
        ChangeAsync(
            updated.Username,
            updated.Version,
            removesAnAdmin: !updated.IsActiveAdmin,
            (connection, transaction) =>
                connection.ExecuteAsync(
                    "UPDATE users SET password_hash = @PasswordHash, role = @Role, disabled = @Disabled, updated_at = @UpdatedAt, "
                        + "version = version + 1 WHERE username = @Username AND version = @Version",
                    new
                    {
                        updated.Username,
                        updated.PasswordHash,
                        updated.Role,
                        Disabled = updated.Disabled ? 1 : 0,
                        UpdatedAt = updated.UpdatedAt.ToUnixTimeMilliseconds(),
                        updated.Version,
                    },
                    transaction
                ),
            cancellationToken
        );

    public Task<UserChange> DeleteAsync(User user, CancellationToken cancellationToken = default) =>
        ChangeAsync(
            user.Username,
            user.Version,
            removesAnAdmin: true,
            async (connection, transaction) =>
            {
                var deleted = await connection.ExecuteAsync(
                    "DELETE FROM users WHERE username = @Username AND version = @Version",
                    new { user.Username, user.Version },
                    transaction
                );
                // A new account under the same name must not inherit this one's second factor.
                await connection.ExecuteAsync("DELETE FROM second_factors WHERE username = @Username", new { user.Username }, transaction);
                await connection.ExecuteAsync("DELETE FROM recovery_codes WHERE username = @Username", new { user.Username }, transaction);
                await connection.ExecuteAsync("DELETE FROM passkeys WHERE username = @Username", new { user.Username }, transaction);
                return deleted;
            },
            cancellationToken
        );

    // One transaction: the last-admin check and the write. Changes to users take turns (an advisory lock on
    // PostgreSQL; SQLite's write transactions already do), so two replicas demoting the last two admins at once
    // cannot both see the other one still enabled.
    private async Task<UserChange> ChangeAsync(
        string username,
        long version,
        bool removesAnAdmin,
        Func<DbConnection, DbTransaction, Task<int>> write,
        CancellationToken cancellationToken
    )
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await database.TakeTurnAsync(connection, transaction, "users");

        if (removesAnAdmin)
        {
            var otherAdmins = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND username <> @username",
                new { username },
                transaction
            );
            var wasAdmin = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND username = @username",
                new { username },
                transaction
            );
            if (wasAdmin > 0 && otherAdmins == 0)
            {
                return UserChange.LastAdmin;
            }
        }

        if (await write(connection, transaction) != 1)
        {
            return UserChange.Conflict;
        }

        await transaction.CommitAsync(cancellationToken);
        return UserChange.Done;
    }

    public async Task RecordSignInAsync(
        string username,
        long version,
        DateTimeOffset at,
        string? upgradedHash,
        CancellationToken cancellationToken = default
    )
    {
        // The re-hash of the same password changes no version: it must not make a concurrent admin change fail.
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE users SET last_sign_in_at = @at, password_hash = CASE WHEN version = @version THEN COALESCE(@upgradedHash, "
                + "password_hash) ELSE password_hash END "
                + "WHERE username = @username",
            new
            {
                username,
                version,
                at = at.ToUnixTimeMilliseconds(),
                upgradedHash,
            }
        );
    }

    private sealed record UserRow(
        string Username,
        string PasswordHash,
        string Role,
        long Disabled,
        long CreatedAt,
        long UpdatedAt,
        long? LastSignInAt,
        long Version,
        long SecondFactor,
        long Passkeys
    )
    {
        public User ToUser() =>
            new(
                Username,
                PasswordHash,
                Role,
                Disabled != 0,
                DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
                DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAt),
                LastSignInAt is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(LastSignInAt.Value)
            )
            {
                Version = Version,
                HasSecondFactor = SecondFactor > 0,
                Passkeys = (int)Passkeys,
            };
    }
}
