using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using AuthService.Audit;
using AuthService.Sessions;
using Fido2NetLib;
using Fido2NetLib.Exceptions;
using Fido2NetLib.Objects;
using Platform.Storage.Audit;

namespace AuthService.Passkeys;

/// <summary>A passkey sign-in: the new session's tokens, or why there is none (audited; never told to the client).</summary>
public sealed record PasskeySignIn(TokenPair? Tokens, string? Refusal);

/// <summary>A registration's outcome: the new passkey, or what the user is told (a 400) when it was refused.</summary>
public sealed record PasskeyRegistration(PasskeyView? Passkey, string? Problem);

/// <summary>
/// Passkeys (WebAuthn) with Fido2NetLib: registering one for the signed-in user, signing in with one without a
/// username (a discoverable credential), listing, naming and removing them. Every ceremony is single-use and lives
/// five minutes, in the database (any replica finishes it); user verification is required of every passkey, so a
/// passkey is both factors at once; the signature counter must move forward.
/// </summary>
public sealed class PasskeyService(
    IFido2 fido2,
    PasskeyStore store,
    SessionService sessions,
    SessionRevoker revoker,
    SignInMonitor monitor,
    IAuditLog audit,
    TimeProvider time
)
{
    public static readonly TimeSpan CeremonyLifetime = TimeSpan.FromMinutes(5);
    public const int MaxNameLength = 64;
    private const string Register = "register";
    private const string SignIn = "sign-in";

    /// <returns>The ceremony's id and the options for <c>navigator.credentials.create</c>, as WebAuthn's JSON.</returns>
    public async Task<(string Ceremony, string Options)> BeginRegistrationAsync(string username, CancellationToken cancellationToken)
    {
        var handle = await store.UserHandleAsync(username, cancellationToken) ?? Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var existing = await store.ListAsync(username, cancellationToken);
        var options = fido2.RequestNewCredential(
            new RequestNewCredentialParams
            {
                User = new Fido2User
                {
                    Id = Base64Url.DecodeFromChars(handle),
                    Name = username,
                    DisplayName = username,
                },
                ExcludeCredentials = [.. existing.Select(passkey => new PublicKeyCredentialDescriptor(Base64Url.DecodeFromChars(passkey.Id)))],
                AuthenticatorSelection = new AuthenticatorSelection
                {
                    ResidentKey = ResidentKeyRequirement.Required,
                    UserVerification = UserVerificationRequirement.Required,
                },
                AttestationPreference = AttestationConveyancePreference.None,
            }
        );
        var json = options.ToJson();
        return (await BeginAsync(Register, username, json, cancellationToken), json);
    }

    public async Task<PasskeyRegistration> FinishRegistrationAsync(
        string username,
        string ceremonyId,
        string name,
        AuthenticatorAttestationRawResponse response,
        string? clientIp,
        CancellationToken cancellationToken
    )
    {
        var ceremony = await store.TakeAsync(ceremonyId, Register, time.GetUtcNow(), cancellationToken);
        if (ceremony is null || ceremony.Username != username)
        {
            await AuditAsync(AuthAuditActions.PasskeyAdded, username, clientIp, "failure", "unknown or expired ceremony", cancellationToken);
            return new PasskeyRegistration(null, "This registration was not started, was already finished, or has expired: start again.");
        }

        var options = CredentialCreateOptions.FromJson(ceremony.Options);
        RegisteredPublicKeyCredential credential;
        try
        {
            credential = await fido2.MakeNewCredentialAsync(
                new MakeNewCredentialParams
                {
                    AttestationResponse = response,
                    OriginalOptions = options,
                    IsCredentialIdUniqueToUserCallback = async (args, token) =>
                        await store.FindAsync(Base64Url.EncodeToString(args.CredentialId), token) is null,
                },
                cancellationToken
            );
        }
        catch (Exception ex) when (IsRefusal(ex))
        {
            await AuditAsync(AuthAuditActions.PasskeyAdded, username, clientIp, "failure", Reason(ex), cancellationToken);
            return new PasskeyRegistration(null, $"The passkey could not be verified ({Reason(ex)}).");
        }

        var passkey = new StoredPasskey(
            Base64Url.EncodeToString(credential.Id),
            username,
            Base64Url.EncodeToString(options.User.Id),
            Base64Url.EncodeToString(credential.PublicKey),
            credential.SignCount
        );
        var now = time.GetUtcNow();
        if (!await store.AddAsync(passkey, name, now, cancellationToken))
        {
            await AuditAsync(AuthAuditActions.PasskeyAdded, username, clientIp, "failure", "credential id taken", cancellationToken);
            return new PasskeyRegistration(null, "This passkey is already registered.");
        }

        await AuditAsync(AuthAuditActions.PasskeyAdded, username, clientIp, "success", $"\"{name}\"", cancellationToken);
        return new PasskeyRegistration(new PasskeyView(passkey.Id, name, now, null), null);
    }

    /// <returns>The ceremony's id and the options for <c>navigator.credentials.get</c>: no credential named (discoverable).</returns>
    public async Task<(string Ceremony, string Options)> BeginSignInAsync(CancellationToken cancellationToken)
    {
        var options = fido2.GetAssertionOptions(new GetAssertionOptionsParams { UserVerification = UserVerificationRequirement.Required });
        var json = options.ToJson();
        return (await BeginAsync(SignIn, null, json, cancellationToken), json);
    }

    public async Task<PasskeySignIn> FinishSignInAsync(
        string ceremonyId,
        AuthenticatorAssertionRawResponse response,
        string? clientIp,
        CancellationToken cancellationToken
    )
    {
        var ceremony = await store.TakeAsync(ceremonyId, SignIn, time.GetUtcNow(), cancellationToken);
        var passkey = await store.FindAsync(response.Id, cancellationToken);
        var refusal =
            ceremony is null ? "unknown or expired ceremony"
            : passkey is null ? "unknown passkey"
            : null;
        if (refusal is not null)
        {
            return await RefusedAsync(passkey?.Username, clientIp, refusal, cancellationToken);
        }

        VerifyAssertionResult verified;
        try
        {
            verified = await fido2.MakeAssertionAsync(
                new MakeAssertionParams
                {
                    AssertionResponse = response,
                    OriginalOptions = AssertionOptions.FromJson(ceremony!.Options),
                    StoredPublicKey = Base64Url.DecodeFromChars(passkey!.PublicKey),
                    StoredSignatureCounter = (uint)passkey.SignCount,
                    IsUserHandleOwnerOfCredentialIdCallback = (args, _) =>
                        Task.FromResult(Base64Url.EncodeToString(args.UserHandle) == passkey.UserHandle),
                },
                cancellationToken
            );
        }
        catch (Exception ex) when (IsRefusal(ex))
        {
            return await RefusedAsync(passkey!.Username, clientIp, Reason(ex), cancellationToken);
        }

        // One use per counter value, on any replica: a second use racing this one (or a clone) loses.
        if (!await store.TryUseAsync(passkey.Id, passkey.SignCount, verified.SignCount, time.GetUtcNow(), cancellationToken))
        {
            return await RefusedAsync(passkey.Username, clientIp, "counter already used", cancellationToken);
        }

        var tokens = await sessions.StartPasskeySessionAsync(passkey.Username, clientIp, cancellationToken);
        return tokens is null ? await RefusedAsync(passkey.Username, clientIp, "disabled", cancellationToken) : new PasskeySignIn(tokens, null);
    }

    public Task<IReadOnlyList<PasskeyView>> ListAsync(string username, CancellationToken cancellationToken) =>
        store.ListAsync(username, cancellationToken);

    public async Task<bool> RemoveAsync(string username, string id, string? clientIp, CancellationToken cancellationToken)
    {
        var removed = await store.DeleteAsync(username, id, cancellationToken);
        if (removed)
        {
            await AuditAsync(AuthAuditActions.PasskeyRemoved, username, clientIp, "success", $"passkey {id}", cancellationToken);
        }

        return removed;
    }

    /// <summary>An admin's (or the command line's) reset: every passkey of the user goes and their sessions end.</summary>
    public async Task<int> ResetAsync(string username, string? actor, string? clientIp, CancellationToken cancellationToken)
    {
        var removed = await store.DeleteAllAsync(username, cancellationToken);
        await audit.WriteAsync(
            AuthAuditActions.PasskeysReset,
            actor,
            username,
            clientIp,
            "success",
            $"{removed} passkey(s) removed",
            cancellationToken
        );
        await revoker.EndSessionsAsync(username, "passkeys-reset", actor, clientIp, cancellationToken);
        return removed;
    }

    private async Task<string> BeginAsync(string kind, string? username, string options, CancellationToken cancellationToken)
    {
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        var now = time.GetUtcNow();
        await store.BeginAsync(id, new PasskeyCeremony(kind, username, options), now, now + CeremonyLifetime, cancellationToken);
        return id;
    }

    // Counted as a failed sign-in (bursts alert) against the passkey's owner when the passkey is known.
    private async Task<PasskeySignIn> RefusedAsync(string? username, string? clientIp, string reason, CancellationToken cancellationToken)
    {
        await monitor.RecordFailureAsync(audit, AuthAuditActions.SignIn, username ?? "(passkey)", clientIp, "passkey: " + reason, cancellationToken);
        return new PasskeySignIn(null, reason);
    }

    private Task AuditAsync(string action, string username, string? clientIp, string outcome, string detail, CancellationToken cancellationToken) =>
        audit.WriteAsync(action, username, username, clientIp, outcome, detail, cancellationToken);

    // What Fido2NetLib throws at a response that does not verify or does not parse (its CBOR, keys and encodings).
    private static bool IsRefusal(Exception ex) =>
        ex
            is Fido2VerificationException
                or CborContentException
                or FormatException
                or ArgumentException
                or InvalidOperationException
                or CryptographicException;

    private static string Reason(Exception ex) =>
        ex switch
        {
            Fido2VerificationException { Code: Fido2ErrorCode.InvalidSignCount } => "signature counter went backwards",
            Fido2VerificationException verification => $"{verification.Code}: {verification.Message}",
            _ => "malformed response",
        };
}
