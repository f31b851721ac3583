using System.Buffers.Binary;
using Gateway.Draining;

namespace Gateway.Tests.Draining;

/// <summary>The Close frame a draining gateway sends must land between the service's frames, never inside one.</summary>
public sealed class GoingAwayStreamTests
{
    private static readonly byte[] GoingAway = [0x88, 0x14, 0x03, 0xE9, .. "gateway restarting"u8];

    [Fact]
    public async Task BetweenFrames_TheCloseFrameIsSentAtOnce_AndLaterFramesAreDropped()
    {
        var client = new MemoryStream();
        var tunnel = new GoingAwayStream(client);
        await tunnel.WriteAsync(Frame(0x1, 5));

        await tunnel.GoAwayAsync(CancellationToken.None);
        await tunnel.WriteAsync(Frame(0x1, 3));

        Assert.Equal([.. Frame(0x1, 5), .. GoingAway], client.ToArray());
    }

    [Theory]
    [InlineData(10, 3)] // 7-bit length, cut inside the payload
    [InlineData(300, 1)] // 16-bit length, cut inside the header
    [InlineData(70_000, 5)] // 64-bit length, cut inside the extended length
    public async Task InsideAFrame_TheCloseFrameFollowsItsLastByte(int payload, int firstChunk)
    {
        var client = new MemoryStream();
        var tunnel = new GoingAwayStream(client);
        var frame = Frame(0x2, payload);
        var next = Frame(0x1, 4);

        await tunnel.WriteAsync(frame.AsMemory(0, firstChunk));
        await tunnel.GoAwayAsync(CancellationToken.None);
        Assert.Equal(firstChunk, client.Length); // nothing sent yet: the frame is not finished

        // The rest of the frame and the next frame arrive in one write: the frame completes, then Close, then nothing.
        byte[] rest = [.. frame.AsSpan(firstChunk), .. next];
        await tunnel.WriteAsync(rest);

        Assert.Equal([.. frame, .. GoingAway], client.ToArray());
    }

    [Fact]
    public async Task WhenTheServiceIsAlreadyClosing_NoSecondCloseFrameIsSent()
    {
        var client = new MemoryStream();
        var tunnel = new GoingAwayStream(client);
        byte[] serviceClose = [0x88, 0x02, 0x03, 0xE9];
        await tunnel.WriteAsync(serviceClose);

        await tunnel.GoAwayAsync(CancellationToken.None);

        Assert.Equal(serviceClose, client.ToArray());
    }

    private static byte[] Frame(byte opcode, int payload)
    {
        var header =
            payload < 126 ? new byte[2]
            : payload <= ushort.MaxValue ? new byte[4]
            : new byte[10];
        header[0] = (byte)(0x80 | opcode);
        if (payload < 126)
        {
            header[1] = (byte)payload;
        }
        else if (payload <= ushort.MaxValue)
        {
            header[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)payload);
        }
        else
        {
            header[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), (ulong)payload);
        }

        return [.. header, .. Enumerable.Repeat((byte)'x', payload)];
    }
}
