using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Gateway.Tls.SessionTickets;

/// <summary>
/// Sets the key OpenSSL encrypts and decrypts TLS session tickets with (TLS 1.2 tickets and TLS 1.3 PSK tickets alike)
/// on the OpenSSL context behind a server <see cref="SslStream"/>. .NET has no API for it: each process would draw a
/// random key, so a client resumed only on the replica it met before. The context is reached through the stream's
/// OpenSSL handle (a private field of <see cref="SslStream"/>) and libssl's own functions; <see cref="Unavailable"/>
/// says when that is not possible on this runtime, and then nothing is touched.
/// </summary>
internal static class OpenSslTicketKeys
{
    /// <summary>OpenSSL's ticket key: 16 bytes of name (sent in the clear in each ticket), 32 of HMAC key, 32 of AES key.</summary>
    public const int KeyLength = 80;

    private const string LibSsl = "libssl.so.3";
    private const string LibCrypto = "libcrypto.so.3";
    private const int GetTicketKeysCommand = 58; // SSL_CTRL_GET_TLSEXT_TICKET_KEYS
    private const int SetTicketKeysCommand = 59; // SSL_CTRL_SET_TLSEXT_TICKET_KEYS
    private const int CheckedRuntimeMajor = 10;

    private static readonly FieldInfo? SecurityContext = typeof(SslStream).GetField(
        "_securityContext",
        BindingFlags.NonPublic | BindingFlags.Instance
    );
    private static readonly Lock Setting = new();

    /// <summary>Why ticket keys cannot be set in this process, or null when they can.</summary>
    public static string? Unavailable { get; } = Check();

    /// <summary>
    /// Makes the OpenSSL context that served <paramref name="tls"/> (an authenticated server stream) use
    /// <paramref name="key"/> for its tickets from the next handshake on, and gives its sessions a context id derived
    /// from the certificate: OpenSSL resumes a session only within the context id it was made in, and .NET draws that at
    /// random per process. Every replica serving the same certificate with the same key then resumes the others'
    /// sessions. Does nothing when the context already has the key.
    /// </summary>
    /// <returns>True when the context was changed.</returns>
    public static bool Apply(SslStream tls, byte[] key)
    {
        if (Unavailable is not null || key.Length != KeyLength)
        {
            return false;
        }

        var added = false;
        SafeHandle? ssl = null;
        var current = new byte[KeyLength];
        try
        {
            ssl = SecurityContext!.GetValue(tls) as SafeHandle;
            if (ssl is null || tls.LocalCertificate is not { } certificate)
            {
                return false;
            }

            ssl.DangerousAddRef(ref added);
            var context = SSL_get_SSL_CTX(ssl.DangerousGetHandle());
            if (context == 0 || (SSL_CTX_ctrl(context, GetTicketKeysCommand, KeyLength, current) == 1 && current.AsSpan().SequenceEqual(key)))
            {
                return false;
            }

            // Another handshake on this context may be encrypting a ticket meanwhile: at worst that one ticket is made
            // with a mix of the old and new key and later fails to decrypt, which costs its client one full handshake.
            var sessionContext = certificate.GetCertHash(HashAlgorithmName.SHA256);
            lock (Setting)
            {
                return SSL_CTX_ctrl(context, SetTicketKeysCommand, KeyLength, key) == 1
                    && SSL_CTX_set_session_id_context(context, sessionContext, (uint)sessionContext.Length) == 1;
            }
        }
        catch (ObjectDisposedException)
        {
            return false; // the connection is already gone
        }
        finally
        {
            CryptographicOperations.ZeroMemory(current);
            if (added)
            {
                ssl!.DangerousRelease();
            }
        }
    }

    private static string? Check()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "only the Linux build (OpenSSL) can set them";
        }

        // The handle is a private detail of System.Net.Security: trusted only in the runtime version it was checked
        // against (a field of the same name holding something else would be handed to libssl as an SSL*).
        if (typeof(SslStream).Assembly.GetName().Version?.Major != CheckedRuntimeMajor)
        {
            return $"this was checked against .NET {CheckedRuntimeMajor}'s SslStream, and this runtime is .NET {Environment.Version}";
        }

        if (SecurityContext is null || !typeof(SafeHandle).IsAssignableFrom(SecurityContext.FieldType))
        {
            return "this .NET runtime's SslStream does not keep its OpenSSL handle where the gateway looks for it";
        }

        try
        {
            // Our calls must reach the very library .NET uses: the same version number from both.
            var ours = OpenSSL_version_num();
            var runtimes = (ulong)SafeEvpPKeyHandle.OpenSslVersion;
            return ours == runtimes ? null : $"{LibSsl} is OpenSSL {ours:x}, .NET uses {runtimes:x}";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"{LibSsl} cannot be loaded: {e.Message}";
        }
    }

    [DllImport(LibSsl, ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint SSL_get_SSL_CTX(nint ssl);

    [DllImport(LibSsl, ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint SSL_CTX_ctrl(nint context, int command, nint length, byte[] data);

    [DllImport(LibSsl, ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SSL_CTX_set_session_id_context(nint context, byte[] id, uint length);

    [DllImport(LibCrypto, ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern ulong OpenSSL_version_num();
}
