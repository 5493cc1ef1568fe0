using Sharpicorn.Cli;

namespace Sharpicorn.Arbiter;

/// <summary>
/// --reload: a watcher on the app directory (and --pythonpath) queues every changed .py file;
/// the loop replaces all workers the zero-drop way HUP does. Changes that arrive together (an
/// editor's save, a git checkout) cause one reload.
/// </summary>
internal sealed partial class Arbiter
{
    /// <summary>Changes within this window of the last reload are folded into it (a guard against editor save bursts).</summary>
    private const long ReloadQuietMs = 1000;

    private long _lastReload = long.MinValue / 2;

    private IDisposable WatchSources()
    {
        var dirs = new List<string> { Directory.GetCurrentDirectory() };
        dirs.AddRange(_settings.PythonPath.Select(Path.GetFullPath).Where(Directory.Exists));
        var watchers = dirs.Distinct(StringComparer.Ordinal).Select(dir =>
        {
            var w = new FileSystemWatcher(dir, "*.py")
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
            };
            FileSystemEventHandler changed = (_, e) => _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.FileChanged, File: e.FullPath));
            w.Changed += changed;
            w.Created += changed;
            w.Renamed += (_, e) => _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.FileChanged, File: e.FullPath));
            w.EnableRaisingEvents = true;
            return w;
        }).ToList();
        return new Watchers(watchers);
    }

    private void OnFileChanged(string file)
    {
        long now = Now;
        if (_stopping || now - _lastReload < ReloadQuietMs)
        {
            return;
        }
        _lastReload = now;
        log.Info($"Worker reloading: {file} modified");
        ReplaceAllWorkers();
    }

    /// <summary>Every serving worker is replaced once a new one has booted (HUP, --reload).</summary>
    private void ReplaceAllWorkers()
    {
        foreach (WorkerProcess w in _workers.Values)
        {
            if (w.TerminatedAt is null)
            {
                w.RestartReason ??= "reload";
                w.Retiring = true;
            }
        }
    }

    private sealed class Watchers(List<FileSystemWatcher> list) : IDisposable
    {
        public void Dispose() => list.ForEach(w => w.Dispose());
    }
}
