namespace AuthService.Users;

/// <summary>Accounts. In the service's database (SQLite or PostgreSQL).</summary>
public interface IUserStore
{
    Task<User?> FindAsync(string username, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken = default);

    /// <returns>False when the username is taken.</returns>
    Task<bool> CreateAsync(User user, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="updated"/> if the stored user is still at <paramref name="updated"/>'s version and the
    /// change leaves an enabled administrator; checked and written atomically, whatever other replicas do at once.
    /// </summary>
    Task<UserChange> UpdateAsync(User updated, CancellationToken cancellationToken = default);

    /// <summary>Deletes the user if still at <paramref name="user"/>'s version and not the last enabled administrator.</summary>
    Task<UserChange> DeleteAsync(User user, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a sign-in, and <paramref name="upgradedHash"/> (the password re-hashed at a higher cost) only if the user
    /// is still at <paramref name="version"/>: a password changed meanwhile is never overwritten by the old one's hash.
    /// </summary>
    Task RecordSignInAsync(string username, long version, DateTimeOffset at, string? upgradedHash, CancellationToken cancellationToken = default);

    /// <summary>The digest of the ADMIN_PASSWORD_HASH this user was last seeded from (null: never recorded).</summary>
    Task<string?> SeedDigestAsync(string username, CancellationToken cancellationToken = default);

    Task SetSeedDigestAsync(string username, string digest, CancellationToken cancellationToken = default);
}
