using Sharpicorn.Cli;

namespace Sharpicorn.Arbiter;

/// <summary>
/// --reload: a watcher on the app directory (and --pythonpath) queues every changed .py file,
/// and every --reload-extra-file (a path, or a glob expanded again on each check); inotify by
/// default, gunicorn's once-a-second mtime poll with --reload-engine poll. The loop replaces all
/// workers the zero-drop way HUP does. Changes that arrive together (an editor's save, a git
/// checkout) cause one reload.
/// </summary>
internal sealed partial class Arbiter
{
    /// <summary>Changes within this window of the last reload are folded into it (a guard against editor save bursts).</summary>
    private const long ReloadQuietMs = 1000;

    private long _lastReload = long.MinValue / 2;

    /// <summary>gunicorn's poll reloader checks once a second (Reloader(interval=1)).</summary>
    private const int PollIntervalMs = 1000;

    private IDisposable WatchSources()
    {
        var dirs = new List<string> { Directory.GetCurrentDirectory() };
        dirs.AddRange(_settings.PythonPath.Select(Path.GetFullPath).Where(Directory.Exists));
        dirs = [.. dirs.Distinct(StringComparer.Ordinal)];
        // reload_extra_files: relative entries are the start directory's, not --chdir's (gunicorn 26.1).
        var files = new List<string>();
        var patterns = new List<GlobPattern>();
        foreach (string entry in _settings.ReloadExtraFiles)
        {
            if (GlobPattern.IsPattern(entry))
            {
                patterns.Add(new GlobPattern(entry, ProcessInfo.StartDirectory));
            }
            else
            {
                files.Add(Path.GetFullPath(entry, ProcessInfo.StartDirectory));
            }
        }
        void Changed(string path) => _events.Writer.TryWrite(new ArbiterEvent(ArbiterEventKind.FileChanged, File: path));
        return _settings.ReloadEngine == "poll"
            ? new Poller(dirs, files, patterns, Changed)
            : new Watchers(Inotify(dirs, files, patterns, Changed));
    }

    /// <summary>inotify (FileSystemWatcher): *.py under the app directories, each extra file's directory filtered to it, each pattern's base directory filtered by the pattern.</summary>
    private static List<FileSystemWatcher> Inotify(List<string> dirs, List<string> files, List<GlobPattern> patterns, Action<string> changed)
    {
        var watchers = new List<FileSystemWatcher>();
        void Watch(string dir, string filter, bool recursive, Func<string, bool> wanted)
        {
            if (!Directory.Exists(dir))
            {
                return;
            }
            var w = new FileSystemWatcher(dir, filter)
            {
                IncludeSubdirectories = recursive,
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
            };
            FileSystemEventHandler handler = (_, e) =>
            {
                if (wanted(e.FullPath))
                {
                    changed(e.FullPath);
                }
            };
            w.Changed += handler;
            w.Created += handler;
            w.Renamed += (_, e) => handler(w, e);
            w.EnableRaisingEvents = true;
            watchers.Add(w);
        }
        foreach (string dir in dirs)
        {
            Watch(dir, "*.py", recursive: true, static _ => true);
        }
        foreach (string file in files)
        {
            Watch(Path.GetDirectoryName(file) ?? "/", Path.GetFileName(file), recursive: false, static _ => true);
        }
        foreach (GlobPattern pattern in patterns)
        {
            Watch(pattern.BaseDirectory, "*", pattern.Recursive, pattern.IsMatch);
        }
        return watchers;
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

    /// <summary>
    /// --reload-engine poll, gunicorn's Reloader: once a second, the mtime of every watched file; a
    /// file seen before whose mtime grew is a change. A new file is only noted (its first edit counts),
    /// as in gunicorn.
    /// </summary>
    private sealed class Poller : IDisposable
    {
        private readonly List<string> _dirs;
        private readonly List<string> _files;
        private readonly List<GlobPattern> _patterns;
        private readonly Action<string> _changed;
        private readonly Dictionary<string, DateTime> _mtimes = new(StringComparer.Ordinal);
        private readonly Timer _timer;

        public Poller(List<string> dirs, List<string> files, List<GlobPattern> patterns, Action<string> changed)
        {
            _dirs = dirs;
            _files = files;
            _patterns = patterns;
            _changed = changed;
            Check();
            _timer = new Timer(_ => Check(), null, PollIntervalMs, PollIntervalMs);
        }

        public void Dispose() => _timer.Dispose();

        private void Check()
        {
            // One check at a time: a slow tree walk makes the next tick skip, not overlap.
            if (!Monitor.TryEnter(_mtimes))
            {
                return;
            }
            try
            {
                var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true };
                IEnumerable<string> all = _dirs.Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, "*.py", options))
                    .Concat(_files)
                    .Concat(_patterns.SelectMany(p => p.Expand()));
                foreach (string file in all)
                {
                    DateTime mtime;
                    try
                    {
                        if (!File.Exists(file))
                        {
                            continue;
                        }
                        mtime = File.GetLastWriteTimeUtc(file);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        continue;
                    }
                    if (_mtimes.TryGetValue(file, out DateTime old) && mtime > old)
                    {
                        _changed(file);
                    }
                    _mtimes[file] = mtime;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A directory that vanished mid-walk: the next tick walks again.
            }
            finally
            {
                Monitor.Exit(_mtimes);
            }
        }
    }
}
