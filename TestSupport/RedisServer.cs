using System.Globalization;
using System.Net.Sockets;

namespace TestSupport;

/// <summary>
/// A throw-away Redis for one test class: <c>redis-server</c> (Debian's; deploy/test.sh installs it when missing) on a
/// reserved loopback port, nothing saved to disk, stopped on dispose. <see cref="StopAsync"/> and
/// <see cref="StartAgainAsync"/> play an outage.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly PortReservation _port;
    private readonly string _directory;
    private RunningProcess? _process;

    private RedisServer(PortReservation port, string directory)
    {
        _port = port;
        _directory = directory;
    }

    public int Port => _port.Port;

    /// <summary>REDIS_URL for this server.</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"redis://127.0.0.1:{Port}");

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(PortReservation.Reserve(), Directory.CreateTempSubdirectory("redis-").FullName);
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        _process = RunningProcess.Start(
            Executable(),
            [
                "--port",
                Port.ToString(CultureInfo.InvariantCulture),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                _directory,
                "--protected-mode",
                "no",
            ]
        );
        await Wait.UntilAsync(() => Answers(), TimeSpan.FromSeconds(20), "redis-server answers");
    }

    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }

        await Wait.UntilAsync(() => !Answers(), TimeSpan.FromSeconds(20), "redis-server has stopped");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _port.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The temporary folder is the OS's to clean.
        }
    }

    private bool Answers()
    {
        try
        {
            using var tcp = new TcpClient();
            tcp.Connect("127.0.0.1", Port);
            using var stream = tcp.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[16];
            return stream.Read(buffer) > 0;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static readonly string[] Candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];

    private static string Executable() =>
        Candidates.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("redis-server was not found: install Debian's redis-server (deploy/test.sh does).");
}
