namespace AuthService.Users;

/// <summary>Accounts. SQLite now; PostgreSQL implements the same for several machines.</summary>
public interface IUserStore
{
    Task<User?> FindAsync(string username, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken = default);

    /// <returns>False when the username is taken.</returns>
    Task<bool> CreateAsync(User user, CancellationToken cancellationToken = default);

    Task UpdateAsync(User user, CancellationToken cancellationToken = default);
    Task<bool> DeleteAsync(string username, CancellationToken cancellationToken = default);
    Task RecordSignInAsync(string username, DateTimeOffset at, string? upgradedHash, CancellationToken cancellationToken = default);

    /// <summary>The digest of the ADMIN_PASSWORD_HASH this user was last seeded from (null: never recorded).</summary>
    Task<string?> SeedDigestAsync(string username, CancellationToken cancellationToken = default);

    Task SetSeedDigestAsync(string username, string digest, CancellationToken cancellationToken = default);

    /// <summary>Enabled administrators, to refuse changes that would leave none.</summary>
    Task<int> CountActiveAdminsAsync(CancellationToken cancellationToken = default);
}
