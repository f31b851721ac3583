using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RecordingsService.Recordings;
using RecordingsService.Webhooks;
using Services.Tests.Infrastructure;

namespace Services.Tests.Recordings;

/// <summary>
/// Twilio does not retry a recording status callback: while the database is down, signed callbacks are acknowledged
/// from a local spool and stored, each once, when it is back, even across a restart of the service.
/// </summary>
public sealed class WebhookSpoolTests
{
    [Fact]
    public async Task CallbacksAcknowledgedWhilePostgresIsDown_AreAllStoredExactlyOnce_WhenItIsBack_EvenAfterARestart()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync();
        using var data = TemporaryDirectory.Create("spool-");
        var settings = new Dictionary<string, string> { ["DATABASE_URL"] = postgres.UrlFor(connectionString), ["DATA_DIR"] = data.Path };
        var sids = Enumerable.Range(0, 20).Select(_ => RecordingsHost.NewRecordingSid()).ToList();

        await using (var before = new RecordingsHost(settings))
        {
            await before.StartAsync();
            using var client = before.Client();
            using (var stored = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sids[0]))))
            {
                Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
            }

            await postgres.StopAsync();
            foreach (var sid in sids.Skip(1).Append(sids[1])) // the last one again: Twilio's duplicates happen
            {
                using var spooled = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid, status: "completed")));
                Assert.Equal(HttpStatusCode.NoContent, spooled.StatusCode);
            }

            // A refused callback is counted; its minute's audit cannot be written now, and that stops nothing.
            using (
                var unsigned = await client.SendAsync(
                    RecordingsHost.Callback(RecordingsHost.Fields(RecordingsHost.NewRecordingSid()), signature: "forged")
                )
            )
            {
                Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
            }

            await before.Services.GetRequiredService<RefusedCallbacks>().FlushAsync(CancellationToken.None);

            // Readiness says what waits, and stays 200: the replica still takes callbacks.
            using var ready = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var spool = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("webhook-spool");
            Assert.Equal(
                ("Degraded", "20 callback(s) waiting for the database"),
                (spool.GetProperty("status").GetString(), spool.GetProperty("description").GetString())
            );
        }

        // The service restarts while the database is still down; then the database comes back.
        await using var after = new RecordingsHost(settings);
        await after.StartAsync();
        await postgres.StartAgainAsync();
        using (var client = after.Client())
        {
            await Wait.UntilAsync(
                async () =>
                {
                    using var ready = await client.GetAsync("/health/ready");
                    return (await ready.Content.ReadFromJsonAsync<JsonElement>())
                            .GetProperty("checks")
                            .GetProperty("webhook-spool")
                            .GetProperty("status")
                            .GetString() == "Healthy";
                },
                TimeSpan.FromSeconds(30),
                "the spool has drained"
            );
        }

        var store = after.Services.GetRequiredService<IRecordingStore>();
        foreach (var sid in sids)
        {
            Assert.Equal("completed", (await store.FindAsync(sid))?.Status);
        }

        await using var connection = new NpgsqlConnection(connectionString);
        Assert.Equal(20L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM recordings.recordings"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(data.Path, "webhook-spool"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ReplicasSharingOneDataDirectory_AnyReplicaStoresWhatAStoppedOneSpooled_EachOnce()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync();
        using var data = TemporaryDirectory.Create("spool-shared-");
        var settings = new Dictionary<string, string> { ["DATABASE_URL"] = postgres.UrlFor(connectionString), ["DATA_DIR"] = data.Path };
        var sids = Enumerable.Range(0, 12).Select(_ => RecordingsHost.NewRecordingSid()).ToList();

        // Two replicas on one volume (docker compose --scale): one takes callbacks while the database is down, then stops.
        await using var survivor = new RecordingsHost(settings);
        await survivor.StartAsync();
        await using (var stopping = new RecordingsHost(settings))
        {
            await stopping.StartAsync();
            await postgres.StopAsync();
            using var client = stopping.Client();
            foreach (var sid in sids)
            {
                using var spooled = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid, status: "completed")));
                Assert.Equal(HttpStatusCode.NoContent, spooled.StatusCode);
            }
        }

        // The survivor spooled nothing itself, yet counts and stores what it finds in the shared spool.
        using var survivorClient = survivor.Client();
        await Wait.UntilAsync(
            async () =>
            {
                using var ready = await survivorClient.GetAsync("/health/ready");
                return (await ready.Content.ReadFromJsonAsync<JsonElement>())
                        .GetProperty("checks")
                        .GetProperty("webhook-spool")
                        .GetProperty("description")
                        .GetString() == $"{sids.Count} callback(s) waiting for the database";
            },
            TimeSpan.FromSeconds(10),
            "the survivor reports the other replica's spooled callbacks"
        );
        await postgres.StartAgainAsync();
        await Wait.UntilAsync(
            () => !Directory.EnumerateFiles(Path.Combine(data.Path, "webhook-spool"), "*.json").Any(),
            TimeSpan.FromSeconds(30),
            "the spool has drained"
        );

        await using var connection = new NpgsqlConnection(connectionString);
        Assert.Equal((long)sids.Count, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM recordings.recordings"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(data.Path, "webhook-spool"), "*", SearchOption.AllDirectories));
    }
}
