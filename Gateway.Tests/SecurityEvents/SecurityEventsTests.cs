using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.SecurityEvents;

public sealed class SecurityEventsTests
{
    [Fact]
    public async Task Refusals_AreCountedByRouteStatusAndReason_AndABurstFromOneIpIsLogged()
    {
        await using var backend = await FakeBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = backend.Url.ToString() }
        );
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "gateway.security.refusals" && instrument.Meter.Scope == meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>(
            (_, value, tags, _) => measurements.Enqueue((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)))
        );
        listener.Start();

        using var anonymous = gateway.CreateAnonymousClient();
        for (var i = 0; i < 20; i++)
        {
            using var response = await anonymous.GetAsync("/api/recordings");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var viewer = gateway.CreateAnonymousClient();
        viewer.DefaultRequestHeaders.Authorization = new("Bearer", gateway.Identity.Mint(role: "viewer"));
        using var forbidden = await viewer.GetAsync("/api/audit/recordings");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        Assert.Equal(21, measurements.Count);
        Assert.Equal(
            20,
            measurements.Count(m =>
                Equals(m.Tags["status"], 401) && Equals(m.Tags["reason"], "missing-token") && Equals(m.Tags["route"], "recordings")
            )
        );
        Assert.Single(measurements, m => Equals(m.Tags["status"], 403) && Equals(m.Tags["route"], "audit-recordings"));
        Assert.Single(gateway.Logs.Events, e =>
            e.MessageTemplate.Text.StartsWith("Burst of refused requests", StringComparison.Ordinal)
            && e.Properties["ClientIp"].ToString() == "\"127.0.0.1\""
        );
    }
}
