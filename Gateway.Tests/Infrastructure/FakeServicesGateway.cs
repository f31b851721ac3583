using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A class fixture: one gateway in front of a stand-in AuthService and RecordingsService, shared by the tests of a
/// class that only read through it (xunit runs a class's tests one at a time). Each test calls <see cref="Reset"/>
/// from its constructor, so it starts with no recorded requests and the backends' default answers.
/// </summary>
public class FakeServicesGateway : IAsyncLifetime
{
    public FakeBackend AuthBackend { get; private set; } = null!;

    public FakeBackend RecordingsBackend { get; private set; } = null!;

    public GatewayHost Host { get; private set; } = null!;

    /// <summary>Every request that reached either service.</summary>
    public IReadOnlyList<RecordedRequest> Forwarded => [.. AuthBackend.Requests, .. RecordingsBackend.Requests];

    /// <summary>Settings beyond the service URLs (the gateway's defaults otherwise).</summary>
    protected virtual IDictionary<string, string> Settings => new Dictionary<string, string>();

    /// <summary>What both services answer; null: the stand-in's default.</summary>
    protected virtual Func<HttpContext, Task>? ServiceHandler => null;

    public FakeServicesGateway Reset()
    {
        AuthBackend.Reset(ServiceHandler);
        RecordingsBackend.Reset(ServiceHandler);
        return this;
    }

    public async Task InitializeAsync()
    {
        AuthBackend = await FakeBackend.StartAsync();
        RecordingsBackend = await FakeBackend.StartAsync();
        var settings = new Dictionary<string, string>(Settings)
        {
            ["AUTH_SERVICE_URLS"] = AuthBackend.Url.ToString(),
            ["RECORDINGS_SERVICE_URLS"] = RecordingsBackend.Url.ToString(),
        };
        Host = await GatewayHost.StartAsync(settings);
        // Both backends answer their probes: start once the gateway has seen each healthy. (While every test class
        // starts at once, a first probe can miss its one-second timeout and take a backend out for a second.)
        var proxy = Host.Services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>();
        await Wait.UntilAsync(
            () =>
                Task.FromResult(
                    proxy
                        .GetClusters()
                        .All(cluster =>
                            cluster.DestinationsState.AllDestinations.All(destination =>
                                destination.Health.Active == Yarp.ReverseProxy.Model.DestinationHealth.Healthy
                            )
                        )
                ),
            TimeSpan.FromSeconds(20),
            "the gateway has probed both backends healthy"
        );
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await AuthBackend.DisposeAsync();
        await RecordingsBackend.DisposeAsync();
    }
}
