using AuthService.Audit;
using Platform.Storage.Audit;

namespace AuthService.SecondFactor;

/// <summary>What a code presented at sign-in (or to turn the second factor off) turned out to be.</summary>
public enum CodeCheck
{
    /// <summary>The user has no confirmed second factor: no code is needed.</summary>
    NotEnrolled,
    Accepted,
    Missing,
    Wrong,
}

public enum SecondFactorState
{
    Off,
    Pending,
    On,
}

/// <summary>A new secret for enrolment, as the user's authenticator app takes it.</summary>
public sealed record TotpSetup(string Secret, string OtpauthUri, string QrSvg);

/// <summary>Enrolment, checking, turning off and resetting a user's TOTP second factor.</summary>
public sealed class SecondFactorService(SecondFactorStore store, IAuditLog audit, SignInMonitor monitor, TimeProvider time)
{
    /// <summary>How authenticator apps label the account.</summary>
    public const string Issuer = "Call recordings";

    public async Task<bool> IsEnrolledAsync(string username, CancellationToken cancellationToken) =>
        (await store.FindAsync(username, cancellationToken))?.Confirmed == true;

    public async Task<SecondFactorState> StateAsync(string username, CancellationToken cancellationToken) =>
        (await store.FindAsync(username, cancellationToken)) switch
        {
            null => SecondFactorState.Off,
            { Confirmed: false } => SecondFactorState.Pending,
            _ => SecondFactorState.On,
        };

    /// <returns>A new pending secret, or null when the user already has a confirmed one (turn it off first).</returns>
    public async Task<TotpSetup?> BeginAsync(string username, CancellationToken cancellationToken)
    {
        var secret = TotpCodes.NewSecret();
        if (!await store.BeginAsync(username, secret, time.GetUtcNow(), cancellationToken))
        {
            return null;
        }

        var uri = TotpCodes.OtpAuthUri(Issuer, username, secret);
        return new TotpSetup(secret, uri, TotpCodes.QrSvg(uri));
    }

    /// <returns>The recovery codes (shown once), or null when there is no pending secret or the code does not fit it.</returns>
    public async Task<IReadOnlyList<string>?> ConfirmAsync(string username, string code, string? clientIp, CancellationToken cancellationToken)
    {
        var pending = await store.FindAsync(username, cancellationToken);
        var now = time.GetUtcNow();
        if (pending is null || pending.Confirmed)
        {
            return null;
        }

        if (!TotpCodes.LooksLikeTotp(code, out var digits) || TotpCodes.MatchStep(pending.Secret, digits, now) is not { } step)
        {
            await monitor.RecordFailureAsync(audit, AuthAuditActions.SecondFactorCode, username, clientIp, "wrong-code (confirm)", cancellationToken);
            return null;
        }

        var codes = TotpCodes.NewRecoveryCodes();
        if (
            !await store.ConfirmAsync(
                username,
                pending,
                step,
                [.. codes.Select(c => TotpCodes.HashRecoveryCode(TotpCodes.NormalizeRecoveryCode(c)!))],
                now,
                cancellationToken
            )
        )
        {
            return null;
        }

        await audit.WriteAsync(AuthAuditActions.SecondFactorEnabled, username, username, clientIp, "success", "totp", cancellationToken);
        return codes;
    }

    /// <summary>
    /// Checks a code for a user whose password is already verified: a TOTP code of the current step (±1) not used
    /// before, or an unused recovery code (spent by this call).
    /// </summary>
    public async Task<(CodeCheck Result, string? Kind)> CheckAsync(string username, string? code, CancellationToken cancellationToken)
    {
        var factor = await store.FindAsync(username, cancellationToken);
        if (factor is not { Confirmed: true })
        {
            return (CodeCheck.NotEnrolled, null);
        }

        if (string.IsNullOrWhiteSpace(code))
        {
            return (CodeCheck.Missing, null);
        }

        if (code.Length > 64)
        {
            return (CodeCheck.Wrong, null);
        }

        var now = time.GetUtcNow();
        if (TotpCodes.LooksLikeTotp(code, out var digits))
        {
            return
                TotpCodes.MatchStep(factor.Secret, digits, now) is { } step && await store.TryUseStepAsync(username, factor, step, cancellationToken)
                ? (CodeCheck.Accepted, "totp")
                : (CodeCheck.Wrong, null);
        }

        return
            TotpCodes.NormalizeRecoveryCode(code) is { } recovery
            && await store.TryUseRecoveryCodeAsync(username, TotpCodes.HashRecoveryCode(recovery), now, cancellationToken)
            ? (CodeCheck.Accepted, "recovery-code")
            : (CodeCheck.Wrong, null);
    }

    /// <summary>Turns the user's own second factor off, after a current code.</summary>
    public async Task<CodeCheck> DisableAsync(string username, string? code, string? clientIp, CancellationToken cancellationToken)
    {
        var (result, kind) = await CheckAsync(username, code, cancellationToken);
        if (result == CodeCheck.Accepted)
        {
            await store.RemoveAsync(username, cancellationToken);
            await audit.WriteAsync(
                AuthAuditActions.SecondFactorDisabled,
                username,
                username,
                clientIp,
                "success",
                $"confirmed with a {kind}",
                cancellationToken
            );
        }
        else if (result == CodeCheck.Wrong)
        {
            await monitor.RecordFailureAsync(
                audit,
                AuthAuditActions.SecondFactorCode,
                username,
                clientIp,
                "wrong-code (turn off)",
                cancellationToken
            );
        }

        return result;
    }

    /// <summary>An admin (or the command line) removes a user's second factor; the caller ends the user's sessions.</summary>
    public async Task<bool> ResetAsync(string username, string? actor, string? clientIp, CancellationToken cancellationToken)
    {
        var removed = await store.RemoveAsync(username, cancellationToken);
        await audit.WriteAsync(
            AuthAuditActions.SecondFactorReset,
            actor,
            username,
            clientIp,
            "success",
            removed ? "second factor removed" : "had none",
            cancellationToken
        );
        return removed;
    }

    public Task<int> UnusedRecoveryCodesAsync(string username, CancellationToken cancellationToken) =>
        store.UnusedRecoveryCodesAsync(username, cancellationToken);
}
