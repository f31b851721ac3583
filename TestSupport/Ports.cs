using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TestSupport;

/// <summary>
/// TCP ports for processes that must be told their port in advance (deploy/run.sh). Anything a test starts in-process
/// binds port 0 and reads the address back instead. A reserved port cannot be taken by another test: it comes from
/// below the kernel's ephemeral range (so no port-0 bind or outgoing connection is ever given it) and is held by an
/// exclusive lock file until disposed, across both test processes.
/// </summary>
public sealed class PortReservation : IDisposable
{
    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "recordings-platform-test-ports");
    private static readonly (int First, int Last) Range = ReservableRange();
    private static int _next = Random.Shared.Next();

    private readonly FileStream _lock;

    private PortReservation(int port, FileStream fileLock)
    {
        Port = port;
        _lock = fileLock;
    }

    public int Port { get; }

    public override string ToString() => Port.ToString(CultureInfo.InvariantCulture);

    public static PortReservation Reserve()
    {
        Directory.CreateDirectory(LockDirectory);
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Range.First + (int)((uint)Interlocked.Increment(ref _next) % (uint)(Range.Last - Range.First + 1));
            FileStream? held = null;
            try
            {
                // FileShare.None is an exclusive advisory lock (flock) on Linux: released when the holder exits.
                held = new FileStream(
                    Path.Combine(LockDirectory, port.ToString(CultureInfo.InvariantCulture)),
                    FileMode.OpenOrCreate,
                    FileAccess.ReadWrite,
                    FileShare.None
                );
                if (IsFree(port))
                {
                    return new PortReservation(port, held);
                }
            }
            catch (IOException)
            {
                // Held by another test.
            }

            held?.Dispose();
        }

        throw new InvalidOperationException("No free port could be reserved.");
    }

    public void Dispose() => _lock.Dispose();

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Linux hands out ephemeral ports from ip_local_port_range (32768–60999 by default); stay below it.
    private static (int First, int Last) ReservableRange()
    {
        var ephemeralStart = 32768;
        const string path = "/proc/sys/net/ipv4/ip_local_port_range";
        if (
            File.Exists(path)
            && int.TryParse(File.ReadAllText(path).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var start)
        )
        {
            ephemeralStart = start;
        }

        return (Math.Min(20000, ephemeralStart - 2000), ephemeralStart - 1);
    }
}
