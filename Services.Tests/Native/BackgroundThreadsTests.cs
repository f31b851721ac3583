using System.Globalization;
using ServiceDefaults.Native;

namespace Services.Tests.Native;

public sealed class BackgroundThreadsTests
{
    [Fact]
    public async Task Work_RunsOnTheNamedThreads_AtALowerPriorityThanRequests()
    {
        using var threads = new BackgroundThreads("bcrypt", 2);

        var (name, nice) = await threads.RunAsync(() => (Thread.CurrentThread.Name, CurrentThreadNice()));
        var requestNice = CurrentThreadNice();

        Assert.StartsWith("bcrypt-", name, StringComparison.Ordinal);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(BackgroundThreads.Nice, nice);
            Assert.True(requestNice < nice, $"the caller's thread stays at nice {requestNice}");
        }
    }

    [Fact]
    public async Task ThreadPoolThreads_NeverInheritTheLowerPriority()
    {
        using var threads = new BackgroundThreads("bcrypt", 2);

        // Many completions at once make the pool add threads; a pool thread created by a low-priority thread
        // would inherit its nice value and serve requests slowly from then on.
        var niceAfterAwait = await Task.WhenAll(
            Enumerable
                .Range(0, 200)
                .Select(async _ =>
                {
                    await threads.RunAsync(() =>
                    {
                        Thread.SpinWait(10_000);
                        return 0;
                    });
                    Thread.SpinWait(20_000); // keep pool threads busy, so more are created
                    return CurrentThreadNice();
                })
        );

        Assert.All(niceAfterAwait, nice => Assert.True(nice < BackgroundThreads.Nice, $"a pool thread runs at nice {nice}"));
    }

    [Fact]
    public async Task AFailure_ReachesTheCaller_AndTheThreadsKeepWorking()
    {
        using var threads = new BackgroundThreads("work", 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => threads.RunAsync<int>(() => throw new InvalidOperationException("bad input")));

        Assert.Equal(42, await threads.RunAsync(() => 42));
    }

    /// <summary>Field 19 of /proc/thread-self/stat (the nice value); 0 where there is no procfs.</summary>
    private static int CurrentThreadNice()
    {
        if (!File.Exists("/proc/thread-self/stat"))
        {
            return 0;
        }

        var stat = File.ReadAllText("/proc/thread-self/stat");
        var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(afterName[16], CultureInfo.InvariantCulture);
    }
}
