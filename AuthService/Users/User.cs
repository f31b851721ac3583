namespace AuthService.Users;

/// <summary>An account as stored; the password hash never leaves the service.</summary>
public sealed record User(string Username, string PasswordHash, string Role, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? LastSignInAt);

/// <summary>An account as the API shows it.</summary>
public sealed record UserView(string Username, string Role, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? LastSignInAt)
{
    public static UserView From(User user) => new(user.Username, user.Role, user.Disabled, user.CreatedAt, user.UpdatedAt, user.LastSignInAt);
}
