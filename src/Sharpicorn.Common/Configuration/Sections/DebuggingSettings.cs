namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Debugging" section.</summary>
internal static class DebuggingSettings
{
    public static readonly Setting[] All =
    [
        new BoolSetting
        {
            Name = "reload", Section = Section.Debugging, Flags = ["--reload"],
            Help = "Replace the workers when a .py file under the app directory changes.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Reload = v ?? false, Get = s => s.Reload,
            Notes = "sharpicorn watches `*.py` under the start (or `--chdir`) directory and `--pythonpath`; gunicorn watches the files of the loaded modules. Workers are replaced without dropping requests.",
        },
        new StringSetting
        {
            Name = "reload_engine", Section = Section.Debugging, Flags = ["--reload-engine"], Meta = "STRING",
            Help = "The file watcher behind reload: auto, poll or inotify.",
            Default = "auto", DefaultOrigin = "gunicorn's default", Choices = ["auto", "poll", "inotify"],
            Set = (s, v) => s.ReloadEngine = v ?? "auto", Get = s => s.ReloadEngine,
            Notes = "`inotify` and `auto` (gunicorn's choice where inotify exists, as on Linux) watch with inotify; `poll` compares every watched file's mtime once a second, as gunicorn's poll reloader does, for file systems where inotify sees nothing (NFS, some container mounts).",
        },
        new ListSetting
        {
            Name = "reload_extra_files", Section = Section.Debugging, Flags = ["--reload-extra-file"], Meta = "FILES",
            Help = "More files (or glob patterns) whose change triggers a reload.",
            Default = [], DefaultOrigin = "gunicorn's default",
            // gunicorn's validate_list_of_files_or_patterns: a plain path must exist, a pattern may match nothing yet.
            ValidateItem = v => v.AsSpan().IndexOfAny("*?[") >= 0 || Path.Exists(v) ? v : throw new SettingException($"File {v} does not exists."),
            Set = (s, v) =>
            {
                s.ReloadExtraFiles.Clear();
                s.ReloadExtraFiles.AddRange(v);
            },
            Get = s => s.ReloadExtraFiles,
            Notes = "As gunicorn 26.1: entries with `*`, `?` or `[` are glob patterns (`**` recurses, `*` skips dotfiles), expanded again on every check so files created later are watched; relative ones are taken from the directory sharpicorn was started in, not `--chdir`. Only with `--reload`.",
        },
        new BoolSetting
        {
            Name = "spew", Section = Section.Debugging, Flags = ["--spew"],
            Help = "Trace every line the server executes.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.Spew = v ?? false, Get = s => s.Spew,
            Notes = "The server itself is not Python, so the lines traced are the app's and its libraries', on every Python thread of every worker (sys.settrace and threading.settrace, from before the app is imported), printed to stdout in gunicorn's debug.Spew format (`module:line: source`, or `file:line` without a source).",
        },
        new BoolSetting
        {
            Name = "check_config", Section = Section.Debugging, Flags = ["--check-config"],
            Help = "Check the configuration and that the app loads, then exit: 0 if both are fine, 1 if not.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.CheckConfig = v ?? false, Get = s => s.CheckConfig,
        },
        new BoolSetting
        {
            Name = "print_config", Section = Section.Debugging, Flags = ["--print-config"],
            Help = "Print every setting as resolved (\"name = value\", sorted), then exit.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.PrintConfig = v ?? false, Get = s => s.PrintConfig,
            Notes = "Lists all of gunicorn's settings plus sharpicorn's own. It does not load the app, where gunicorn's implies check_config.",
        },
    ];
}
