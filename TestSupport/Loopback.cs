using System.Net;
using System.Net.Sockets;

namespace TestSupport;

/// <summary>
/// Connects test clients to "localhost" as 127.0.0.1 without asking the resolver (the request still names localhost,
/// for TLS and the Host header). Under a loaded test run this sandbox's resolver once answered "Name or service not
/// known" for localhost, failing a gateway test that had nothing to do with name resolution.
/// Use as <c>new SocketsHttpHandler { ConnectCallback = Loopback.ConnectAsync }</c>.
/// </summary>
public static class Loopback
{
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var target = context.DnsEndPoint;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            EndPoint endpoint = string.Equals(target.Host, "localhost", StringComparison.OrdinalIgnoreCase)
                ? new IPEndPoint(IPAddress.Loopback, target.Port)
                : target;
            await socket.ConnectAsync(endpoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
