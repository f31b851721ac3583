using System.Collections.Concurrent;
using System.Globalization;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Proxy;

/// <summary>
/// A service URL naming a host with several addresses (docker compose --scale, a Kubernetes headless service): each
/// address is a replica. The name is made for the test in /etc/hosts (two loopback addresses), which needs root, as
/// CI runs; elsewhere the test is skipped.
/// </summary>
public sealed class DiscoveryTests
{
    [SkippableFact]
    public async Task AServiceNameWithTwoAddresses_IsTwoReplicas_EachGettingRequests()
    {
        Skip.IfNot(Environment.UserName == "root", "adding a name to /etc/hosts needs root");
        var name = $"replicas-{Guid.NewGuid():N}.test";
        using var port = PortReservation.Reserve();
        var seen = new ConcurrentDictionary<string, int>();

        // One stand-in service listening on both addresses: it says which one a request reached.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.2:{port.Port}", $"http://127.0.0.3:{port.Port}");
        await using var service = builder.Build();
        service.Run(context =>
        {
            seen.AddOrUpdate(context.Connection.LocalIpAddress!.ToString(), 1, (_, count) => count + 1);
            return context.Response.WriteAsync("{}");
        });
        await service.StartAsync();

        await File.AppendAllTextAsync("/etc/hosts", $"127.0.0.2 {name}\n127.0.0.3 {name}\n");
        try
        {
            await using var gateway = await GatewayHost.StartAsync(
                new Dictionary<string, string>
                {
                    ["RECORDINGS_SERVICE_URLS"] = string.Create(CultureInfo.InvariantCulture, $"http://{name}:{port.Port}"),
                }
            );
            using var client = gateway.CreateAnonymousClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", gateway.Identity.Mint(role: "viewer"));

            await Wait.UntilAsync(
                async () => (await client.GetAsync("/api/recordings")).IsSuccessStatusCode,
                TimeSpan.FromSeconds(20),
                "the name is resolved"
            );
            seen.Clear();
            for (var i = 0; i < 40; i++)
            {
                using var response = await client.GetAsync("/api/recordings");
                Assert.True(response.IsSuccessStatusCode, $"request {i} answered {(int)response.StatusCode}");
            }

            Assert.True(
                seen.GetValueOrDefault("127.0.0.2") > 0 && seen.GetValueOrDefault("127.0.0.3") > 0,
                $"requests reached {string.Join(", ", seen.Select(s => $"{s.Key} ×{s.Value}"))}"
            );
        }
        finally
        {
            var lines = await File.ReadAllLinesAsync("/etc/hosts");
            await File.WriteAllLinesAsync("/etc/hosts", lines.Where(line => !line.EndsWith(" " + name, StringComparison.Ordinal)));
        }
    }
}
