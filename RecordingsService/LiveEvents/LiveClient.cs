using System.Net.WebSockets;
using System.Threading.Channels;
using Platform.Security.Tokens;

namespace RecordingsService.LiveEvents;

/// <summary>One connected dashboard: its socket, its bounded queue of events, and whose token it is.</summary>
internal sealed class LiveClient(WebSocket socket, string user, HeldToken token, string? clientIp)
{
    /// <summary>Events waiting for a slow reader; when full, the client is dropped rather than slowing the others.</summary>
    public const int QueueCapacity = 64;

    public WebSocket Socket { get; } = socket;
    public string User { get; } = user;

    /// <summary>Checked every few seconds as the HTTP path checks a token: the socket ends with its session.</summary>
    public HeldToken Token { get; } = token;
    public string? ClientIp { get; } = clientIp;
    public Channel<ReadOnlyMemory<byte>> Queue { get; } =
        Channel.CreateBounded<ReadOnlyMemory<byte>>(
            new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }
        );
    public CancellationTokenSource Closing { get; } = new();
    public string? CloseReason { get; set; }
}
