using Gateway.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using Platform.Security.Monitoring;

namespace Gateway.Tests.RateLimiting;

/// <summary>A spray of distinct addresses or usernames cannot grow the gateway's memory without bound.</summary>
public sealed class BoundedStateTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task RateLimitStore_SprayedWithDistinctClients_KeepsAtMostItsCapacity_AndStillCountsTheBusyClient()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        using var store = new InMemoryRateLimitStore(time, capacity: 1_000);
        for (var i = 0; i < 40; i++)
        {
            await store.HitAsync("global:198.51.100.7", Window, CancellationToken.None);
        }

        for (var i = 0; i < 100_000; i++)
        {
            await store.HitAsync($"global:10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", Window, CancellationToken.None);
            Assert.True(store.Count.Windows <= 1_001, $"{store.Count.Windows} windows kept after {i + 1} sprayed clients");
        }

        // The client that was being counted is still counted: a spray cannot reset someone's budget.
        var busy = await store.HitAsync("global:198.51.100.7", Window, CancellationToken.None);
        Assert.Equal(41, busy.Count);
    }

    [Fact]
    public async Task RateLimitStore_SweepsFinishedWindowsAndForgottenFailures_OnItsTimer()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        using var store = new InMemoryRateLimitStore(time);
        for (var i = 0; i < 500; i++)
        {
            await store.HitAsync($"global:10.0.{i >> 8}.{i & 255}", TimeSpan.FromMinutes(1), CancellationToken.None);
        }

        await store.TryBeginSignInAsync("vera", CancellationToken.None);
        await store.EndSignInAsync("vera", SignInOutcome.Failed, CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, store.Count.Windows);
        Assert.Equal(1, store.Count.Usernames);
        time.Advance(InMemoryRateLimitStore.FailureMemory);
        Assert.Equal(0, store.Count.Usernames);
    }

    [Fact]
    public async Task RateLimitStore_SprayedWithUsernames_KeepsTheOneBeingGuessedAt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        using var store = new InMemoryRateLimitStore(time, capacity: 1_000);
        for (var i = 0; i <= SignInSlowdown.FreeFailures; i++)
        {
            Assert.Equal(TimeSpan.Zero, await store.TryBeginSignInAsync("victim", CancellationToken.None));
            await store.EndSignInAsync("victim", SignInOutcome.Failed, CancellationToken.None);
        }

        for (var i = 0; i < 20_000; i++)
        {
            await store.TryBeginSignInAsync($"sprayed{i}", CancellationToken.None);
            await store.EndSignInAsync($"sprayed{i}", SignInOutcome.Failed, CancellationToken.None);
        }

        Assert.True(store.Count.Usernames <= 1_001, $"{store.Count.Usernames} usernames kept");
        Assert.Equal(TimeSpan.FromSeconds(2), await store.TryBeginSignInAsync("victim", CancellationToken.None));
    }

    [Fact]
    public void BurstDetector_SprayedWithDistinctKeys_KeepsAtMostItsCapacity_AndStillSeesABurst()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        using var detector = new BurstDetector(threshold: 20, TimeSpan.FromMinutes(1), time, capacity: 500);
        for (var i = 0; i < 10; i++)
        {
            detector.Record("203.0.113.9");
        }

        for (var i = 0; i < 50_000; i++)
        {
            detector.Record($"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}");
        }

        Assert.True(detector.Count <= 501, $"{detector.Count} keys kept");
        var reached = Enumerable.Range(0, 10).Select(_ => detector.Record("203.0.113.9")).ToList();
        Assert.Equal(1, reached.Count(r => r));
        Assert.True(reached[^1], "the 20th refusal from the busy client is the burst");

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, detector.Count);
    }
}
