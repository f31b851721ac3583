using System.Globalization;

namespace System.Tests.Draining;

/// <summary>
/// HAProxy in TCP mode in front of the gateways, as a cloud load balancer or a Kubernetes Service: TLS passes through
/// to the gateways; each is health-checked on <c>GET /health/ready</c> over TLS every 500 ms and taken out after one
/// failed check. Connections already open stay where they are (the gateway ends them), as with any TCP balancer.
/// </summary>
public sealed class TcpBalancer : IAsyncDisposable
{
    private readonly TemporaryDirectory _directory;
    private readonly PortReservation _port;
    private readonly PortReservation _statsPort;
    private readonly RunningProcess _process;
    private readonly HttpClient _stats;

    private TcpBalancer(TemporaryDirectory directory, PortReservation port, PortReservation statsPort, RunningProcess process)
    {
        _directory = directory;
        _port = port;
        _statsPort = statsPort;
        _process = process;
        _stats = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statsPort}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>Where clients connect: https://localhost:PORT.</summary>
    public Uri Url => new($"https://localhost:{_port}");

    public static async Task<TcpBalancer> StartAsync(IReadOnlyList<Uri> gateways)
    {
        var directory = TemporaryDirectory.Create("balancer-");
        var port = PortReservation.Reserve();
        var statsPort = PortReservation.Reserve();
        var configuration = string.Join(
            "\n",
            [
                "global",
                "  maxconn 2000",
                "defaults",
                "  timeout connect 2s",
                "  timeout client 120s",
                "  timeout server 120s",
                "  timeout check 2s",
                "frontend public",
                "  mode tcp",
                $"  bind 127.0.0.1:{port}",
                "  default_backend gateways",
                "backend gateways",
                "  mode tcp",
                "  balance roundrobin",
                "  option httpchk GET /health/ready",
                "  http-check expect status 200",
                "  default-server check check-ssl verify none inter 500ms fall 1 rise 2",
                .. gateways.Select((gateway, i) => string.Create(CultureInfo.InvariantCulture, $"  server gateway-{i + 1} 127.0.0.1:{gateway.Port}")),
                "listen stats",
                "  mode http",
                $"  bind 127.0.0.1:{statsPort}",
                "  stats enable",
                "  stats uri /stats",
                "",
            ]
        );
        var file = Path.Combine(directory.Path, "haproxy.cfg");
        await File.WriteAllTextAsync(file, configuration);
        var process = RunningProcess.Start("haproxy", ["-db", "-f", file]);
        var balancer = new TcpBalancer(directory, port, statsPort, process);
        await Wait.UntilAsync(
            async () => (await balancer.ServersUpAsync()).Count == gateways.Count,
            TimeSpan.FromSeconds(30),
            "the balancer sees every gateway up"
        );
        return balancer;
    }

    /// <summary>The gateways the balancer sends new connections to (gateway-1, gateway-2), from its statistics.</summary>
    public async Task<IReadOnlyList<string>> ServersUpAsync()
    {
        try
        {
            var csv = await _stats.GetStringAsync("/stats;csv");
            return
            [
                .. csv.Split('\n')
                    .Select(line => line.Split(','))
                    .Where(fields =>
                        fields.Length > 17
                        && fields[0] == "gateways"
                        && fields[1].StartsWith("gateway-", StringComparison.Ordinal)
                        && fields[17] == "UP"
                    )
                    .Select(fields => fields[1]),
            ];
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stats.Dispose();
        await _process.DisposeAsync();
        _port.Dispose();
        _statsPort.Dispose();
        _directory.Dispose();
    }
}
