using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Bench;

/// <summary>Scenario 5: opens many TLS keep-alive connections, one request each, and holds them idle.</summary>
internal static class IdleConnections
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = new Uri(options["url"]);
        var count = options.Int("connections", 1000);
        var hold = options.Int("hold", 15);
        var streams = new List<SslStream>();
        for (var batch = 0; batch < count; batch += 100)
        {
            streams.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(100, count - batch)).Select(_ => OpenAsync(url))));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"READY {streams.Count} idle keep-alive connections"));
        await Task.Delay(TimeSpan.FromSeconds(hold));
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }

        return 0;
    }

    private static async Task<SslStream> OpenAsync(Uri url)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port);
        var ssl = new SslStream(tcp.GetStream(), false, (_, cert, _, _) => cert is not null);
        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http11] }
        );
        await ssl.WriteAsync(Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: {url.Authority}\r\n\r\n"));
        var buffer = new byte[4096];
        _ = await ssl.ReadAsync(buffer);
        return ssl;
    }
}
