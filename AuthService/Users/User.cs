namespace AuthService.Users;

/// <summary>An account as stored; the password hash never leaves the service.</summary>
public sealed record User(
    string Username,
    string PasswordHash,
    string Role,
    bool Disabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastSignInAt
)
{
    /// <summary>Bumped by every change: a change applies only to the version it was decided on.</summary>
    public long Version { get; init; }

    /// <summary>A confirmed TOTP second factor (read with the user; changed only through its own endpoints).</summary>
    public bool HasSecondFactor { get; init; }

    /// <summary>How many passkeys the user has (read with the user; changed only through their own endpoints).</summary>
    public int Passkeys { get; init; }

    /// <summary>An enabled administrator: the last one may not be demoted, disabled or deleted.</summary>
    public bool IsActiveAdmin => Role == "admin" && !Disabled;
}

/// <summary>What became of a change to a user.</summary>
public enum UserChange
{
    Done,

    /// <summary>The user changed (or went) meanwhile, on this or another replica: nothing was written.</summary>
    Conflict,

    /// <summary>It would leave no enabled administrator: nothing was written.</summary>
    LastAdmin,
}

/// <summary>An account as the API shows it.</summary>
public sealed record UserView(
    string Username,
    string Role,
    bool Disabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastSignInAt,
    bool Mfa,
    int Passkeys
)
{
    public static UserView From(User user) =>
        new(user.Username, user.Role, user.Disabled, user.CreatedAt, user.UpdatedAt, user.LastSignInAt, user.HasSecondFactor, user.Passkeys);
}
