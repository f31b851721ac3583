using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Gateway.Tls;

/// <summary>
/// Ends every TLS connection the gateway closes with a close_notify alert, as TLS asks (RFC 8446 §6.1); Kestrel
/// otherwise just closes the socket. A client reading to the end of the connection can then tell a complete
/// response from a truncated one, and OpenSSL-based clients keep the TLS session for resumption instead of
/// discarding it as broken off.
/// </summary>
internal static class CloseNotify
{
    public static ConnectionDelegate SendOnClose(ConnectionDelegate next) =>
        async connection =>
        {
            await next(connection);
            if (connection.Features.Get<ISslStreamFeature>()?.SslStream is { } tls)
            {
                try
                {
                    // A peer that reads nothing cannot hold the connection open: the alert gets 5 s to be written.
                    await tls.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(5));
                }
                catch (Exception e)
                    when (e
                            is IOException
                                or ObjectDisposedException
                                or InvalidOperationException
                                or NotSupportedException
                                or TimeoutException
                                or AuthenticationException
                    )
                {
                    // The peer is already gone (or will not read): nothing more to tell it.
                }
            }
        };
}
