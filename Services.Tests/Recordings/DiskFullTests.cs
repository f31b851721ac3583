using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RecordingsService.Recordings;
using Services.Tests.Infrastructure;

namespace Services.Tests.Recordings;

/// <summary>The recordings database's disk fills up: callbacks are refused for Twilio to retry, and stored once space returns.</summary>
public sealed class DiskFullTests
{
    [SkippableFact]
    public async Task DiskFull_CallbacksAre503WithRetryAfter_NothingIsHalfWritten_AndTheRetryIsStoredOnceSpaceReturns()
    {
        // A real full disk: DATA_DIR on a small tmpfs of its own (mounting needs root, as CI runs).
        Skip.IfNot(Environment.UserName == "root", "mounting a tmpfs needs root");
        var mountPoint = Directory.CreateTempSubdirectory("recordings-disk-").FullName;
        var mounted = await Processes.RunAsync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint]);
        Assert.True(mounted.ExitCode == 0, mounted.StandardError);
        try
        {
            await using var host = new RecordingsHost(new Dictionary<string, string> { ["DATA_DIR"] = mountPoint });
            await host.StartAsync();
            var store = host.Services.GetRequiredService<IRecordingStore>();
            using var client = host.Client();
            var before = RecordingsHost.NewRecordingSid();
            using (var stored = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(before))))
            {
                Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
            }

            var filler = Path.Combine(mountPoint, "filler");
            Fill(filler);

            var sid = RecordingsHost.NewRecordingSid();
            using (var refused = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid))))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(refused.Headers.RetryAfter);
            }

            // Reading a recording is audited; with no room for the audit row the read is refused the same way, not 500.
            using (var reader = host.Client(await host.AdminTokenAsync()))
            using (var read = await reader.GetAsync($"/api/recordings/{before}"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
                Assert.NotNull(read.Headers.RetryAfter);
            }

            File.Delete(filler);
            Assert.Null(await store.FindAsync(sid));
            Assert.NotNull(await store.FindAsync(before));

            // Twilio retries the same callback: now it is stored, once.
            using var retried = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid)));
            Assert.Equal(HttpStatusCode.NoContent, retried.StatusCode);
            Assert.Equal("completed", (await store.FindAsync(sid))!.Status);
        }
        finally
        {
            await Processes.RunAsync("umount", ["-l", mountPoint]);
            Directory.Delete(mountPoint, recursive: true);
        }
    }

    // Writes until the file system says it is full.
    private static void Fill(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(chunk);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // ENOSPC: the disk is full.
        }
    }
}
