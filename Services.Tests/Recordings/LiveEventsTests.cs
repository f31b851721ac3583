using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Platform.Security.Revocation;
using Platform.Security.Tokens;
using Platform.Storage.Audit;
using Platform.Storage.Database;
using RecordingsService.Audit;
using RecordingsService.LiveEvents;
using RecordingsService.Recordings;
using RecordingsService.Storage;
using ServiceDefaults.Http;

namespace Services.Tests.Recordings;

public sealed class LiveEventsTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RevokedSessions _revoked;
    private readonly LiveEventHub _hub;
    private readonly TestMeterFactory _meters = new();

    public LiveEventsTests()
    {
        _revoked = new RevokedSessions(_time);
        var json = new JsonOptions();
        ApiJson.Configure(json.SerializerOptions);
        _database = new RecordingsDatabase(new DatabaseSettings(_data.Path, null), NullLogger<RecordingsDatabase>.Instance);
        var tokens = new HeldTokenCheck(_revoked, _ => true, _time);
        var listViews = new ListViews(new AuditLog(_database, _time), _time, NullLogger<ListViews>.Instance);
        _hub = new LiveEventHub(
            tokens,
            listViews,
            _time,
            _meters,
            Options.Create(json),
            new RecordingStore(_database),
            NullLogger<LiveEventHub>.Instance
        );
    }

    private readonly TemporaryDirectory _data = TemporaryDirectory.Create("live-events-");
    private readonly RecordingsDatabase _database;

    public void Dispose()
    {
        _hub.Dispose();
        _meters.Dispose();
        _database.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _data.Dispose();
    }

    [Fact]
    public async Task ASlowClient_IsDroppedWhenItsQueueFills_WithoutDelayingTheOthers()
    {
        using var stop = new CancellationTokenSource();
        var fast = new RecordingSocket();
        var slow = new RecordingSocket { Stalled = true };
        var fastRun = _hub.RunAsync(new LiveClient(fast, "fast", Token("s1", DateTimeOffset.MaxValue), null), since: null, stop.Token);
        var slowRun = _hub.RunAsync(new LiveClient(slow, "slow", Token("s2", DateTimeOffset.MaxValue), null), since: null, stop.Token);
        await WaitAsync(() => _hub.Count == 2);

        // Each event reaches the reading client at once, whatever the stalled one does.
        const int events = LiveClient.QueueCapacity * 3;
        for (var i = 0; i < events; i++)
        {
            _hub.Broadcast(Recording(i));
            var expected = i + 2; // after the connected message
            await WaitAsync(() => fast.Count == expected);
        }

        await slowRun.WaitAsync(TimeSpan.FromSeconds(5)); // the stalled one was disconnected
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, slow.CloseStatus);
        Assert.Equal("too slow", slow.CloseDescription);
        Assert.Equal(1, _hub.Count);
        Assert.Equal(events + 1, fast.Count);
        using (var hello = JsonDocument.Parse(fast.Sent[0]))
        {
            Assert.Equal("connected", hello.RootElement.GetProperty("type").GetString());
        }

        using var first = JsonDocument.Parse(fast.Sent[1]);
        Assert.Equal("recording.updated", first.RootElement.GetProperty("type").GetString());
        Assert.Equal(Recording(0).Sid, first.RootElement.GetProperty("recording").GetProperty("sid").GetString());

        await stop.CancelAsync();
        await fastRun.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AChangePublishedWhileTheClientIsBeingAnnounced_ReachesIt_AfterTheConnectedMessage()
    {
        using var stop = new CancellationTokenSource();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var socket = new RecordingSocket { FirstSendGate = gate };
        var run = _hub.RunAsync(new LiveClient(socket, "vera", Token("s3", DateTimeOffset.MaxValue), null), since: null, stop.Token);

        // Registered before "connected" is sent: a change published now is not lost, and comes after it.
        await WaitAsync(() => _hub.Count == 1);
        _hub.Broadcast(Recording(7));
        gate.SetResult();
        await WaitAsync(() => socket.Count == 2);

        Assert.Equal("connected", JsonDocument.Parse(socket.Sent[0]).RootElement.GetProperty("type").GetString());
        Assert.Equal(Recording(7).Sid, JsonDocument.Parse(socket.Sent[1]).RootElement.GetProperty("recording").GetProperty("sid").GetString());
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AReconnectingClient_IsSentEveryChangeSinceItsCursor_EvenMoreThanItsQueueHolds()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        const int changes = LiveClient.QueueCapacity * 3;
        await new RecordingStore(_database).UpsertAsync([.. Enumerable.Range(1, changes).Select(Recording)]);
        using var stop = new CancellationTokenSource();
        var socket = new RecordingSocket();

        var run = _hub.RunAsync(new LiveClient(socket, "vera", Token("s4", DateTimeOffset.MaxValue), null), since, stop.Token);
        await WaitAsync(() => socket.Count == 1 + changes);

        Assert.Null(socket.CloseDescription); // not dropped as "too slow"
        Assert.Equal(
            changes,
            socket
                .Sent.Skip(1)
                .Select(m => JsonDocument.Parse(m).RootElement.GetProperty("recording").GetProperty("sid").GetString())
                .Distinct()
                .Count()
        );
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ACatchUpLargerThanAQueueCanTake_TellsEveryClientToResynchronise()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var stop = new CancellationTokenSource();
        var socket = new RecordingSocket();
        var run = _hub.RunAsync(new LiveClient(socket, "vera", Token("s5", DateTimeOffset.MaxValue), null), since: null, stop.Token);
        await WaitAsync(() => socket.Count == 1);
        await new RecordingStore(_database).UpsertAsync([.. Enumerable.Range(1, LiveEventHub.CatchUpLimit + 1).Select(Recording)]);

        await _hub.CatchUpAsync(since, CancellationToken.None);
        await WaitAsync(() => socket.Count == 2);

        Assert.Equal("resync", JsonDocument.Parse(socket.Sent[1]).RootElement.GetProperty("type").GetString());
        Assert.Null(socket.CloseDescription);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AClientWhoseSessionIsRevoked_IsDisconnected()
    {
        await _hub.StartAsync(CancellationToken.None);
        var socket = new RecordingSocket();
        var run = _hub.RunAsync(
            new LiveClient(socket, "vera", Token("session-1", DateTimeOffset.MaxValue), null),
            since: null,
            CancellationToken.None
        );
        await WaitAsync(() => _hub.Count == 1);

        _revoked.Add("session-1", _time.GetUtcNow().AddMinutes(15));
        await AdvanceUntilAsync(run); // the hub's check comes every 2 s
        Assert.Equal("session ended", socket.CloseDescription);
        await _hub.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AClientWhoseTokenExpires_IsDisconnected()
    {
        await _hub.StartAsync(CancellationToken.None);
        var socket = new RecordingSocket();
        var run = _hub.RunAsync(
            new LiveClient(socket, "vera", Token("session-2", _time.GetUtcNow().AddMinutes(1)), null),
            since: null,
            CancellationToken.None
        );
        await WaitAsync(() => _hub.Count == 1);

        _time.Advance(TimeSpan.FromMinutes(1));
        await AdvanceUntilAsync(run);
        Assert.Equal("session ended", socket.CloseDescription);
        await _hub.StopAsync(CancellationToken.None);
    }

    private HeldToken Token(string session, DateTimeOffset expires) => new(session, _time.GetUtcNow().ToUnixTimeSeconds(), "kid-1", expires);

    private async Task AdvanceUntilAsync(Task run)
    {
        // The hub checks sessions on a 2 s timer of the fake clock: move it on until the client is gone.
        await Wait.UntilAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(2));
                return run.IsCompleted;
            },
            TimeSpan.FromSeconds(5),
            "the client is disconnected"
        );
        await run;
    }

    private static Recording Recording(int i)
    {
        var now = DateTimeOffset.UtcNow;
        return new Recording(
            $"RE{i:x32}",
            "AC0123456789abcdef0123456789abcdef",
            "CA0123456789abcdef0123456789abcdef",
            "completed",
            i,
            1,
            null,
            now,
            now,
            now,
            null
        );
    }

    private static Task WaitAsync(Func<bool> condition) => Wait.UntilAsync(condition, TimeSpan.FromSeconds(5), "the hub has done it");

    /// <summary>A socket that records what is sent; a stalled one never completes a send (a client that stopped reading).</summary>
    private sealed class RecordingSocket : WebSocket
    {
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebSocketState _state = WebSocketState.Open;

        public bool Stalled { get; init; }

        /// <summary>When set, the first send waits for it: a change can be published while "connected" is on its way.</summary>
        public TaskCompletionSource? FirstSendGate { get; init; }
        public List<byte[]> Sent { get; } = [];

        public int Count
        {
            get
            {
                lock (Sent)
                {
                    return Sent.Count;
                }
            }
        }
        public override WebSocketCloseStatus? CloseStatus => _closeStatus;
        public override string? CloseStatusDescription => CloseDescription;
        public string? CloseDescription { get; private set; }
        public override WebSocketState State => _state;
        public override string? SubProtocol => null;
        private WebSocketCloseStatus? _closeStatus;

        public override async Task SendAsync(
            ArraySegment<byte> buffer,
            WebSocketMessageType messageType,
            bool endOfMessage,
            CancellationToken cancellationToken
        )
        {
            if (Stalled)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            if (FirstSendGate is { } gate && Count == 0)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            lock (Sent)
            {
                Sent.Add(buffer.ToArray());
            }
        }

        public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
        {
            await _closed.Task.WaitAsync(cancellationToken);
            return new WebSocketReceiveResult(0, WebSocketMessageType.Close, true);
        }

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        {
            _closeStatus = closeStatus;
            CloseDescription = statusDescription;
            _state = WebSocketState.CloseSent;
            _closed.TrySetResult();
            return Task.CompletedTask;
        }

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
            CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

        public override void Abort() => _state = WebSocketState.Aborted;

        public override void Dispose() { }
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
