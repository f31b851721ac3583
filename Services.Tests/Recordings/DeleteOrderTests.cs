using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecordingsService.Recordings;
using Services.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Services.Tests.Recordings;

/// <summary>
/// An admin's delete: the intent is audited before Twilio is asked, and whatever Twilio did is then recorded here and
/// audited, whatever the client does meanwhile, and answered truthfully when the database goes away.
/// </summary>
public sealed class DeleteOrderTests
{
    [Fact]
    public async Task AClientThatGoesAway_DoesNotStopTheDeletion_ItIsRecordedAndAudited()
    {
        await using var host = new RecordingsHost();
        await host.StartAsync();
        var sid = await StoreAsync(host);
        StubTwilioDelete(host, sid, delay: TimeSpan.FromSeconds(2));
        var admin = await host.AdminTokenAsync();

        using (var client = host.Client(admin))
        {
            client.Timeout = TimeSpan.FromMilliseconds(500); // a closed tab, a proxy's timeout
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.DeleteAsync($"/api/recordings/{sid}"));
        }

        var store = host.Services.GetRequiredService<IRecordingStore>();
        await Wait.UntilAsync(
            async () => (await store.FindAsync(sid))?.Status == RecordingStatus.Deleted,
            TimeSpan.FromSeconds(15),
            "the deletion is recorded"
        );
        var audit = await AuditAsync(host, admin);
        Assert.Single(audit, e => e.GetProperty("action").GetString() == "delete-requested" && e.GetProperty("target").GetString() == sid);
        Assert.Single(audit, e =>
            e.GetProperty("action").GetString() == "delete"
            && e.GetProperty("target").GetString() == sid
            && e.GetProperty("outcome").GetString() == "success"
        );
    }

    [Fact]
    public async Task TheDatabaseDownBeforehand_Is503_AndTwilioIsNotAsked()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var host = new RecordingsHost(
            new Dictionary<string, string> { ["DATABASE_URL"] = postgres.UrlFor(await postgres.CreateDatabaseAsync()) }
        );
        await host.StartAsync();
        var sid = await StoreAsync(host);
        StubTwilioDelete(host, sid, delay: TimeSpan.Zero);
        var admin = await host.AdminTokenAsync();

        await postgres.StopAsync();
        using var client = host.Client(admin);
        using var response = await client.DeleteAsync($"/api/recordings/{sid}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain(host.Twilio.LogEntries, e => e.RequestMessage.Method == "DELETE");
    }

    [Fact]
    public async Task TheDatabaseGoingDownWhileTwilioDeletes_Is202_AndTheDeletionIsStoredWhenItIsBack()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var host = new RecordingsHost(
            new Dictionary<string, string> { ["DATABASE_URL"] = postgres.UrlFor(await postgres.CreateDatabaseAsync()) }
        );
        await host.StartAsync();
        var sid = await StoreAsync(host);
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Twilio.Given(Request.Create().WithPath($"/2010-04-01/Accounts/{RecordingsHost.AccountSid}/Recordings/{sid}.json").UsingDelete())
            .RespondWith(
                Response
                    .Create()
                    .WithCallback(_ =>
                    {
                        asked.SetResult();
                        answer.Task.Wait(TimeSpan.FromSeconds(30));
                        return new WireMock.ResponseMessage { StatusCode = 204 };
                    })
            );
        var admin = await host.AdminTokenAsync();

        using var client = host.Client(admin);
        var deleting = client.DeleteAsync($"/api/recordings/{sid}");
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await postgres.StopAsync(); // while Twilio deletes
        answer.SetResult();
        using var response = await deleting;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("deleted-at-twilio", body.GetProperty("status").GetString());

        await postgres.StartAgainAsync();
        var store = host.Services.GetRequiredService<IRecordingStore>();
        await Wait.UntilAsync(
            async () =>
            {
                try
                {
                    return (await store.FindAsync(sid))?.Status == RecordingStatus.Deleted;
                }
                catch (Npgsql.NpgsqlException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "the spooled deletion is stored"
        );
        var audit = await AuditAsync(host, admin);
        Assert.Single(audit, e => e.GetProperty("action").GetString() == "delete-requested" && e.GetProperty("target").GetString() == sid);
    }

    private static async Task<string> StoreAsync(RecordingsHost host)
    {
        var sid = RecordingsHost.NewRecordingSid();
        using var client = host.Client();
        using var stored = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid)));
        Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        return sid;
    }

    private static void StubTwilioDelete(RecordingsHost host, string sid, TimeSpan delay)
    {
        var response = Response.Create().WithStatusCode(204);
        host.Twilio.Given(Request.Create().WithPath($"/2010-04-01/Accounts/{RecordingsHost.AccountSid}/Recordings/{sid}.json").UsingDelete())
            .RespondWith(delay > TimeSpan.Zero ? response.WithDelay(delay) : response);
    }

    private static async Task<List<JsonElement>> AuditAsync(RecordingsHost host, string admin)
    {
        using var client = host.Client(admin);
        return [.. (await client.GetFromJsonAsync<JsonElement>("/api/audit/recordings?limit=200")).GetProperty("items").EnumerateArray()];
    }
}
