namespace Gateway.Draining;

/// <summary>
/// The client's side of a WebSocket tunnel (the upgraded connection YARP copies to and from). Reads pass through;
/// writes (the service's frames) are followed frame by frame so that <see cref="GoAwayAsync"/> can end the connection
/// as a WebSocket server would: a Close frame with 1001 between two frames, after which nothing more from the
/// service is forwarded. The browser answers the Close, the service sees it and closes too, and the tunnel ends.
/// </summary>
internal sealed class GoingAwayStream(Stream inner) : Stream
{
    private static readonly byte[] CloseFrame = WebSocketFrames.GoingAway("gateway restarting");

    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly WebSocketFrames _frames = new();
    private bool _goingAway;
    private bool _closeSent;

    /// <summary>Sends the Close frame now if between frames, else right after the frame being written.</summary>
    public async Task GoAwayAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            _goingAway = true;
            if (_frames.AtBoundary)
            {
                await SendCloseAsync(cancellationToken);
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            if (_closeSent)
            {
                return; // the connection is closing: the service's later frames (its own Close answer included) are dropped
            }

            var forwarded = _frames.Advance(buffer.Span, stopAtBoundary: _goingAway);
            await inner.WriteAsync(buffer[..forwarded], cancellationToken);
            if (_goingAway && _frames.AtBoundary)
            {
                await SendCloseAsync(cancellationToken);
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task SendCloseAsync(CancellationToken cancellationToken)
    {
        if (_closeSent || _frames.CloseSeen)
        {
            return; // the service already began the closing handshake
        }

        _closeSent = true;
        await inner.WriteAsync(CloseFrame, cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await inner.FlushAsync(cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    public override void Flush() => inner.Flush();

    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
