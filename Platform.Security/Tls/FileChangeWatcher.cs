namespace Platform.Security.Tls;

/// <summary>
/// Calls back once the folders holding some files have been quiet for a moment after a change: renewals touch files
/// several times (truncate, write, rename) and Kubernetes swaps a symlinked folder, so the folders are watched, not
/// the files, and the callback re-reads everything.
/// </summary>
public sealed class FileChangeWatcher : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _debounce;

    public FileChangeWatcher(IEnumerable<string> files, Action changed)
    {
        _debounce = new Timer(_ => changed(), null, Timeout.Infinite, Timeout.Infinite);
        foreach (var directory in files.Select(file => Path.GetDirectoryName(Path.GetFullPath(file))!).Distinct(StringComparer.Ordinal))
        {
            var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, EnableRaisingEvents = false };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.Deleted += OnFileEvent;
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e) => _debounce.Change(Quiet, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _debounce.Dispose();
    }
}
