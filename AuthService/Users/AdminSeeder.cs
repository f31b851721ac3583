using System.Security.Cryptography;
using System.Text;
using AuthService.Audit;
using AuthService.Configuration;
using AuthService.Keys;
using AuthService.Sessions;
using Platform.Security.Tokens;
using Platform.Storage;
using Platform.Storage.Audit;

namespace AuthService.Users;

/// <summary>
/// At start-up, before the server accepts requests: seeds the administrator from ADMIN_USERNAME/ADMIN_PASSWORD_HASH.
/// The hash is applied only when ADMIN_PASSWORD_HASH itself changed since the last seed (its SHA-256 digest is kept,
/// in the database, apart from the user): then it replaces the stored password, or creates the user again, and ends
/// that user's sessions — that is how an operator resets the admin password. Otherwise nothing is seeded: a password
/// the admin changed through the API, or a hash re-computed at a higher BCRYPT_WORK_FACTOR at sign-in, is kept across
/// restarts, and an administrator another admin deleted stays deleted on every later start of every replica. When the
/// database does not answer, the service starts anyway (its data requests answer 503) and the seed is retried every
/// 5 s until it is done.
/// </summary>
internal sealed partial class AdminSeeder(
    AuthSettings settings,
    IUserStore users,
    SessionRevoker revoker,
    IAuditLog audit,
    TimeProvider time,
    ILogger<AdminSeeder> logger
) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _retrying = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SeedAsync(cancellationToken);
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
        {
            LogUnavailable(ex.Message);
            _retrying = RetryAsync(_stopping.Token);
        }
    }

    private async Task RetryAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken); // real time: an outage is not on the tests' clock
                await SeedAsync(stoppingToken);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
            {
                LogUnavailable(ex.Message);
            }
        }
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (settings.AdminUsername is null || settings.AdminPasswordHash is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings.AdminPasswordHash)));
        var seeded = await users.SeedDigestAsync(settings.AdminUsername, cancellationToken);
        var existing = await users.FindAsync(settings.AdminUsername, cancellationToken);
        if (existing is null)
        {
            if (seeded == digest)
            {
                // Seeded from this very hash before, and deleted since by an admin: that decision stands.
                LogStaysDeleted(settings.AdminUsername);
                return;
            }

            // Never seeded under this name (a new database, or a new ADMIN_USERNAME), or the operator changed the hash.
            await users.CreateAsync(
                new User(settings.AdminUsername, settings.AdminPasswordHash, TokenConventions.AdminRole, false, now, now, null),
                cancellationToken
            );
            await users.SetSeedDigestAsync(settings.AdminUsername, digest, cancellationToken);
            await audit.WriteAsync(
                AuthAuditActions.AdminSeeded,
                null,
                settings.AdminUsername,
                null,
                "created",
                seeded is null ? null : "ADMIN_PASSWORD_HASH changed",
                cancellationToken
            );
            LogSeeded(settings.AdminUsername);
            return;
        }

        // A database from before the digest was kept: the stored hash tells whether this hash was already applied.
        if (seeded == digest || (seeded is null && existing.PasswordHash == settings.AdminPasswordHash))
        {
            await users.SetSeedDigestAsync(settings.AdminUsername, digest, cancellationToken);
            return;
        }

        await users.UpdateAsync(existing with { PasswordHash = settings.AdminPasswordHash, UpdatedAt = now }, cancellationToken);
        await users.SetSeedDigestAsync(settings.AdminUsername, digest, cancellationToken);
        await audit.WriteAsync(AuthAuditActions.AdminSeeded, null, settings.AdminUsername, null, "password-replaced", null, cancellationToken);
        await revoker.EndSessionsAsync(settings.AdminUsername, "admin-password-replaced", null, null, cancellationToken);
        LogPasswordReplaced(settings.AdminUsername);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_retrying.IsCompleted)
        {
            await _stopping.CancelAsync();
            await _retrying;
        }
    }

    // The token source is cancelled here, never disposed: the host may still stop this after its container disposed
    // it (under WebApplicationFactory the entry point's own Run disposes the host while the factory stops it), and a
    // source with no timer and no link holds nothing to release.
    public void Dispose() => _stopping.Cancel();

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "The administrator cannot be seeded: the database does not answer ({Reason}); retrying every 5 s"
    )]
    private partial void LogUnavailable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Administrator {Username} created from ADMIN_USERNAME")]
    private partial void LogSeeded(string username);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Administrator {Username} was deleted by an admin and is not created again; to restore it, set a new ADMIN_PASSWORD_HASH"
    )]
    private partial void LogStaysDeleted(string username);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Administrator {Username}: password replaced from ADMIN_PASSWORD_HASH; their sessions were ended"
    )]
    private partial void LogPasswordReplaced(string username);
}
