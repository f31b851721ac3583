using System.Globalization;

namespace TestSupport;

/// <summary>
/// A throw-away PostgreSQL server for one test class: <c>initdb</c> into a temporary directory (outside /root, owned
/// by the <c>postgres</c> user when the tests run as root), <c>pg_ctl start</c> on a reserved loopback port, stopped
/// and deleted on dispose. Debian's binaries are found on PATH or under /usr/lib/postgresql/N/bin (deploy/test.sh
/// installs the package when missing). fsync is off (the data dies with the test); commits still reach the OS before
/// they are acknowledged, so an immediate stop (a crash) loses nothing committed.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _directory;
    private readonly PortReservation _port;
    private int _databases;

    private PostgresServer(string bin, string directory, PortReservation port)
    {
        _bin = bin;
        _directory = directory;
        _port = port;
    }

    public int Port => _port.Port;

    /// <summary>The server's own database, as the superuser.</summary>
    public string AdminConnectionString => ConnectionStringFor("postgres");

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries();
        var directory = Directory.CreateTempSubdirectory("postgres-").FullName;
        if (IsRoot)
        {
            var owned = await Processes.RunAsync("chown", ["-R", "postgres:postgres", directory]);
            Check(owned, "chown");
        }

        var server = new PostgresServer(bin, directory, PortReservation.Reserve());
        try
        {
            Check(
                await server.RunAsync(
                    "initdb",
                    ["-D", server.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]
                ),
                "initdb"
            );
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new, empty database; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"test_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}");
        Check(
            await RunAsync(
                "psql",
                [
                    "-h",
                    "127.0.0.1",
                    "-p",
                    Port.ToString(CultureInfo.InvariantCulture),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    $"CREATE DATABASE \"{name}\"",
                ]
            ),
            "CREATE DATABASE"
        );
        return ConnectionStringFor(name);
    }

    public string ConnectionStringFor(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true");

    /// <summary>As <c>postgres://</c> URL, the form DATABASE_URL usually takes.</summary>
    public string UrlFor(string connectionString)
    {
        var database = connectionString.Split(';').Single(part => part.StartsWith("Database=", StringComparison.Ordinal))["Database=".Length..];
        return string.Create(CultureInfo.InvariantCulture, $"postgres://postgres@127.0.0.1:{Port}/{database}");
    }

    /// <summary>Stops the server at once, as a crash or an outage would (connections are cut).</summary>
    public async Task StopAsync() => Check(await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]), "pg_ctl stop");

    public async Task StartAgainAsync()
    {
        var options = string.Create(
            CultureInfo.InvariantCulture,
            $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200"
        );
        Check(
            await RunAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-o", options, "-w", "-t", "60", "start"]),
            "pg_ctl start"
        );
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
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

    private string DataDirectory => Path.Combine(_directory, "data");

    private static bool IsRoot => Environment.UserName == "root";

    private Task<ProcessResult> RunAsync(string tool, IEnumerable<string> arguments)
    {
        var path = Path.Combine(_bin, tool);
        return IsRoot
            ? Processes.RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], timeout: TimeSpan.FromSeconds(90))
            : Processes.RunAsync(path, arguments, timeout: TimeSpan.FromSeconds(90));
    }

    private static void Check(ProcessResult result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed ({result.ExitCode}): {result.StandardError}{result.StandardOutput}");
        }
    }

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory
                .GetDirectories("/usr/lib/postgresql")
                .Select(version => Path.Combine(version, "bin"))
                .OrderByDescending(path => int.TryParse(Path.GetFileName(Path.GetDirectoryName(path)), out var major) ? major : 0)
            : Enumerable.Empty<string>();
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return candidates
            .Concat(onPath)
            .FirstOrDefault(directory => File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")))
            ?? throw new InvalidOperationException(
                "PostgreSQL's initdb and pg_ctl were not found: install Debian's postgresql (deploy/test.sh does)."
            );
    }
}
