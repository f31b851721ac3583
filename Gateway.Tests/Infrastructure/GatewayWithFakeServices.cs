namespace Gateway.Tests.Infrastructure;

/// <summary>For test classes that need the gateway in front of a stand-in AuthService and RecordingsService.</summary>
public abstract class GatewayWithFakeServices : IAsyncLifetime
{
    protected FakeBackend AuthBackend { get; private set; } = null!;

    protected FakeBackend RecordingsBackend { get; private set; } = null!;

    protected GatewayHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        AuthBackend = await FakeBackend.StartAsync();
        RecordingsBackend = await FakeBackend.StartAsync();
        Host = await GatewayHost.StartAsync(new Dictionary<string, string>
        {
            ["AUTH_SERVICE_URLS"] = AuthBackend.Url.ToString(),
            ["RECORDINGS_SERVICE_URLS"] = RecordingsBackend.Url.ToString(),
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await AuthBackend.DisposeAsync();
        await RecordingsBackend.DisposeAsync();
    }
}
