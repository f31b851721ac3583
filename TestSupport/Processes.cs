using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TestSupport;

/// <summary>What a finished process left: its exit code and everything it printed.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs processes as an operator would: a built service's command line, a script, a tool.</summary>
public static class Processes
{
    /// <summary>Runs a process to its end (killing it after <paramref name="timeout"/>, default 60 s).</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? standardInput = null,
        IDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null
    )
    {
        using var process = Process.Start(StartInfo(fileName, arguments, environment, workingDirectory, redirectInput: true))!;
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within {timeout ?? TimeSpan.FromSeconds(60)}.");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a built project's dll (<c>dotnet Project.dll …</c>), as the README's commands do.</summary>
    public static Task<ProcessResult> RunBuiltAsync(
        string project,
        IEnumerable<string> arguments,
        string? standardInput = null,
        IDictionary<string, string?>? environment = null,
        string? workingDirectory = null
    ) => RunAsync("dotnet", [Repository.BuiltDll(project), .. arguments], standardInput, environment, workingDirectory);

    internal static ProcessStartInfo StartInfo(
        string fileName,
        IEnumerable<string> arguments,
        IDictionary<string, string?>? environment,
        string? workingDirectory,
        bool redirectInput
    )
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        return start;
    }
}

/// <summary>
/// A process that keeps running (deploy/run.sh): its output is collected as it comes, a test waits for a line, and
/// disposing stops it with Ctrl-C (SIGINT), as a person at the terminal would.
/// </summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Seen)> _waiting = [];

    private RunningProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    /// <summary>The process id, to send it a signal (e.g. SIGTERM, as an orchestrator stops a container).</summary>
    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything printed so far, standard output and error interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static RunningProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        IDictionary<string, string?>? environment = null,
        string? workingDirectory = null
    )
    {
        var running = new RunningProcess(
            Process.Start(Processes.StartInfo(fileName, arguments, environment, workingDirectory, redirectInput: false))!
        );
        running._process.OutputDataReceived += (_, e) => running.Collect(e.Data);
        running._process.ErrorDataReceived += (_, e) => running.Collect(e.Data);
        running._process.BeginOutputReadLine();
        running._process.BeginErrorReadLine();
        return running;
    }

    /// <summary>The first line (already printed or still to come) that matches <paramref name="pattern"/>.</summary>
    /// <exception cref="TimeoutException">No such line within <paramref name="timeout"/>, or the process ended first; the message holds the
    /// output.</exception>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            foreach (var line in _output.ToString().Split('\n'))
            {
                if (pattern.Match(line) is { Success: true } match)
                {
                    return match;
                }
            }

            _waiting.Add((pattern, seen));
        }

        await Task.WhenAny(seen.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        return seen.Task.IsCompleted
            ? await seen.Task
            : throw new TimeoutException($"No line matching {pattern} within {timeout} (exited: {_process.HasExited}):\n{Output}");
    }

    /// <summary>Sends SIGINT (Ctrl-C) and waits up to <paramref name="timeout"/> for the process to end.</summary>
    /// <returns>True when it ended in time.</returns>
    public async Task<bool> InterruptAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill!.WaitForExitAsync();
        }

        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!await InterruptAsync(TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var (pattern, seen) in _waiting)
            {
                if (pattern.Match(line) is { Success: true } match)
                {
                    seen.TrySetResult(match);
                }
            }
        }
    }
}
