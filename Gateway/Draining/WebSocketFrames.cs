using System.Buffers.Binary;
using System.Text;

namespace Gateway.Draining;

/// <summary>
/// Follows the frame boundaries of one direction of a WebSocket connection (RFC 6455 §5.2) from its bytes alone:
/// enough to tell where a frame ends, never the payload's meaning. Extensions (permessage-deflate) change payloads,
/// not headers, so they do not matter here.
/// </summary>
internal sealed class WebSocketFrames
{
    private const int CloseOpcode = 0x8;

    private readonly byte[] _header = new byte[14];
    private int _headerLength;
    private int _headerNeeded = 2;
    private long _payloadLeft;

    /// <summary>Between two frames: a Close frame written now would be a frame of its own.</summary>
    public bool AtBoundary => _headerLength == 0 && _payloadLeft == 0;

    /// <summary>A Close frame went by: this side has started the closing handshake itself.</summary>
    public bool CloseSeen { get; private set; }

    /// <summary>
    /// Follows <paramref name="data"/>; with <paramref name="stopAtBoundary"/>, stops right after the first frame that
    /// ends in it. Returns how many bytes were followed.
    /// </summary>
    public int Advance(ReadOnlySpan<byte> data, bool stopAtBoundary)
    {
        var position = 0;
        while (position < data.Length)
        {
            if (stopAtBoundary && AtBoundary && position > 0)
            {
                return position;
            }

            if (_payloadLeft > 0)
            {
                var take = (int)Math.Min(_payloadLeft, data.Length - position);
                _payloadLeft -= take;
                position += take;
                continue;
            }

            _header[_headerLength++] = data[position++];
            if (_headerLength == 2)
            {
                var length7 = _header[1] & 0x7F;
                var masked = (_header[1] & 0x80) != 0;
                _headerNeeded =
                    2
                    + (
                        length7 == 126 ? 2
                        : length7 == 127 ? 8
                        : 0
                    )
                    + (masked ? 4 : 0);
            }

            if (_headerLength >= 2 && _headerLength == _headerNeeded)
            {
                var length7 = _header[1] & 0x7F;
                _payloadLeft = length7 switch
                {
                    126 => BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2)),
                    127 => (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2)), long.MaxValue),
                    _ => length7,
                };
                CloseSeen |= (_header[0] & 0x0F) == CloseOpcode;
                _headerLength = 0;
                _headerNeeded = 2;
            }
        }

        return position;
    }

    /// <summary>An unmasked (server-to-client) Close frame with status 1001 "going away".</summary>
    public static byte[] GoingAway(string reason)
    {
        var text = Encoding.UTF8.GetBytes(reason);
        var frame = new byte[4 + text.Length];
        frame[0] = 0x80 | CloseOpcode; // FIN, Close
        frame[1] = (byte)(2 + text.Length);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), 1001);
        text.CopyTo(frame, 4);
        return frame;
    }
}
