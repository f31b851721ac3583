using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Gateway.Tls;

/// <summary>A TLS handshake of the gateway with itself over loopback, to learn how OpenSSL serves a certificate.</summary>
internal static class LoopbackHandshake
{
    /// <returns>Whether the handshake succeeded; <paramref name="authenticated"/> sees the server's stream when it did.</returns>
    public static async Task<bool> RunAsync(
        SslServerAuthenticationOptions server,
        SslClientAuthenticationOptions client,
        Action<SslStream>? authenticated = null
    )
    {
        var certificate = server.ServerCertificateContext?.TargetCertificate
            ?? throw new ArgumentException("The server options name no certificate context.", nameof(server));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var tcpClient = new TcpClient();
        var accepting = listener.AcceptTcpClientAsync();
        await tcpClient.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await accepting;
        await using var serverStream = new SslStream(accepted.GetStream());
        // The client trusts exactly the certificate being served: the handshake is with ourselves.
        await using var clientStream = new SslStream(tcpClient.GetStream(), false, (_, served, _, _) =>
            served is not null && served.GetCertHashString() == certificate.GetCertHashString()
        );
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var serving = serverStream.AuthenticateAsServerAsync(server, timeout.Token);
        var connecting = clientStream.AuthenticateAsClientAsync(client, timeout.Token);
        try
        {
            await Task.WhenAll(serving, connecting);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            return false;
        }

        authenticated?.Invoke(serverStream);
        return true;
    }
}
