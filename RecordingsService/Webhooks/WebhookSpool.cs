using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.Security.InternalTls;
using Platform.Storage;
using RecordingsService.Recordings;

namespace RecordingsService.Webhooks;

/// <summary>
/// Twilio does not retry a recording status callback, so one refused while the database is down is a lost recording.
/// When storing a signed, valid callback fails for the infrastructure's sake, it is written here instead: one file per
/// callback in DATA_DIR/webhook-spool, flushed to disk before the 204. A background loop replays the files in
/// arrival order through <see cref="RecordingChanges"/> (the same rank rules, so replays and duplicates change
/// nothing) as soon as the database answers, deleting each once stored; the spool survives a restart. Replicas may
/// share the folder (one volume for every replica): names are unique per process, every replica replays whatever
/// it finds there (a replica that died leaves nothing behind), and a file another replica took first is skipped.
/// <c>/health/ready</c> reports its depth (Degraded, still 200, while callbacks wait).
/// </summary>
public sealed partial class WebhookSpool : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _directory;
    private readonly RecordingChanges _changes;
    private readonly ILogger<WebhookSpool> _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly string _instance = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private long _sequence;
    private int _depth;

    public WebhookSpool(InternalServiceSettings service, RecordingChanges changes, IMeterFactory meters, ILogger<WebhookSpool> logger)
    {
        _directory = Path.Combine(service.DataDirectory, "webhook-spool");
        _changes = changes;
        _logger = logger;
        Directory.CreateDirectory(_directory);
        _depth = Pending().Count;
        meters
            .Create(WebhookMetrics.MeterName)
            .CreateObservableGauge(
                "recordings.webhook.spool_depth",
                () => Depth,
                description: "Callbacks acknowledged to Twilio but not yet in the database (waiting for it to answer)"
            );
    }

    /// <summary>Callbacks acknowledged but not yet in the database.</summary>
    public int Depth => Volatile.Read(ref _depth);

    /// <summary>Writes the callback durably; throws <see cref="IOException"/> when it cannot (then nothing was acknowledged).</summary>
    public async Task AppendAsync(Recording recording, CancellationToken cancellationToken)
    {
        // Names sort in arrival order, across restarts too; the instance keeps two replicas' names apart.
        var name = string.Create(
            CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow.Ticks:D19}-{Interlocked.Increment(ref _sequence):D10}-{_instance}.json"
        );
        var path = Path.Combine(_directory, name);
        // Written under another name and renamed once on disk, so the replay never reads half a file.
        var writing = path + ".writing";
        try
        {
            await using (var file = new FileStream(writing, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await JsonSerializer.SerializeAsync(file, recording, Json, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(writing, path);
        }
        catch
        {
            TryDelete(writing);
            throw;
        }

        Interlocked.Increment(ref _depth);
        LogSpooled(recording.Sid);
        Wake();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Listed every time, not only after this process spooled: another replica's files count and replay too.
            Volatile.Write(ref _depth, Pending().Count);
            if (Depth > 0)
            {
                await ReplayAsync(stoppingToken);
            }

            try
            {
                await _wake.WaitAsync(RetryInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Stores the spooled callbacks in order until the spool is empty or the database fails again.</summary>
    internal async Task ReplayAsync(CancellationToken cancellationToken)
    {
        foreach (var path in Pending())
        {
            Recording? recording;
            try
            {
                await using var file = File.OpenRead(path);
                recording = await JsonSerializer.DeserializeAsync<Recording>(file, Json, cancellationToken);
            }
            catch (JsonException)
            {
                recording = null; // cut short by a crash before its flush: never acknowledged
            }
            catch (FileNotFoundException)
            {
                Interlocked.Decrement(ref _depth);
                continue; // another replica stored it first
            }

            if (recording is not null)
            {
                try
                {
                    await _changes.ApplyAsync(recording, cancellationToken);
                    LogReplayed(recording.Sid);
                }
                catch (Exception ex) when (DatabaseFaults.IsOutage(ex) || ex is OperationCanceledException)
                {
                    LogStillFailing(Depth, ex.Message);
                    return;
                }
                catch (Exception ex) when (DatabaseFaults.IsStoreFailure(ex))
                {
                    // The database refuses this one for good (a bug, not an outage): set aside, so the rest go on.
                    Directory.CreateDirectory(Path.Combine(_directory, "failed"));
                    TryMove(path, Path.Combine(_directory, "failed", Path.GetFileName(path)));
                    Interlocked.Decrement(ref _depth);
                    LogSetAside(ex, recording.Sid);
                    continue;
                }
            }
            else
            {
                LogTorn(Path.GetFileName(path));
            }

            TryDelete(path);
            Interlocked.Decrement(ref _depth);
        }
    }

    private List<string> Pending() => [.. Directory.EnumerateFiles(_directory, "*.json").Order(StringComparer.Ordinal)];

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    private static void TryMove(string path, string destination)
    {
        try
        {
            File.Move(path, destination, overwrite: true);
        }
        catch (FileNotFoundException)
        {
            // Another replica set it aside (or stored it) first.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Replayed again next time: replays change nothing.
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Callback for {Sid} spooled: the database did not take it; it is stored when the database answers"
    )]
    private partial void LogSpooled(string sid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Spooled callback for {Sid} stored")]
    private partial void LogReplayed(string sid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Depth} spooled callback(s) still waiting for the database: {Reason}")]
    private partial void LogStillFailing(int depth, string reason);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "Spooled callback for {Sid} refused by the database; kept in webhook-spool/failed for an operator"
    )]
    private partial void LogSetAside(Exception exception, string sid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool file {File} was cut short (a crash before it was acknowledged); removed")]
    private partial void LogTorn(string file);
}

/// <summary>Degraded (still 200) while callbacks wait in the spool, with how many.</summary>
internal sealed class WebhookSpoolHealthCheck(WebhookSpool spool) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            spool.Depth == 0
                ? HealthCheckResult.Healthy("empty")
                : new HealthCheckResult(
                    context.Registration.FailureStatus,
                    string.Create(CultureInfo.InvariantCulture, $"{spool.Depth} callback(s) waiting for the database")
                )
        );
}
