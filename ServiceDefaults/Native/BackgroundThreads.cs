using System.Collections.Concurrent;

namespace ServiceDefaults.Native;

/// <summary>
/// Dedicated threads for CPU-heavy work that must not compete with answering requests (password hashing). On
/// Linux each thread lowers its own scheduling priority to nice <see cref="Nice"/>: the work uses every idle cycle,
/// but when requests need the CPU the scheduler gives it to them first (at nice 10 a busy thread gets about a tenth
/// of a core's share against a normal one). <c>Thread.Priority</c> does nothing on Linux, hence setpriority(2). A
/// thread cannot raise its priority again without privileges, which is why these threads are never pool threads.
/// Linux threads also inherit the nice value of the thread that creates them, and the thread pool creates workers
/// on whichever thread queues work: so these threads never queue anything. A completer thread at normal priority
/// hands their results to the callers (whose continuations then run on the pool, at normal priority).
/// </summary>
public sealed class BackgroundThreads : IDisposable
{
    public const int Nice = 10;

    private readonly BlockingCollection<Action> _work = [];
    private readonly BlockingCollection<Action> _completions = [];
    private int _running;

    public BackgroundThreads(string name, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _running = count;
        for (var i = 0; i < count; i++)
        {
            new Thread(Run) { IsBackground = true, Name = $"{name}-{i}" }.Start();
        }

        new Thread(Complete) { IsBackground = true, Name = $"{name}-completer" }.Start();
    }

    /// <summary>Runs <paramref name="work"/> on one of the threads; the continuation runs on the thread pool.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                var result = work();
                _completions.Add(() => completion.SetResult(result));
            }
            catch (Exception e)
            {
                _completions.Add(() => completion.SetException(e));
            }
        });
        return completion.Task;
    }

    /// <summary>Work already queued still runs and completes; then the threads end. Work queued after this throws.</summary>
    public void Dispose() => _work.CompleteAdding();

    private void Run()
    {
        LowerPriority();
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }

        if (Interlocked.Decrement(ref _running) == 0)
        {
            _completions.CompleteAdding(); // the last worker out: nothing more can complete
        }
    }

    private void Complete()
    {
        foreach (var completion in _completions.GetConsumingEnumerable())
        {
            completion();
        }

        // Every worker has ended (see Run): nothing uses the queues any more.
        _completions.Dispose();
        _work.Dispose();
    }

    private static void LowerPriority()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = Glibc.setpriority(Glibc.PriorityProcess, (uint)Glibc.gettid(), Nice); // best effort: normal priority otherwise
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc: the threads run at normal priority
        }
    }
}
