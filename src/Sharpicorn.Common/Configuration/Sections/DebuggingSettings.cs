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
            Status = SettingStatus.AcceptedWithWarning,
            Reason = "has no effect: sharpicorn always uses its own file watcher (inotify, through .NET's FileSystemWatcher)",
        },
        new ListSetting
        {
            Name = "reload_extra_files", Section = Section.Debugging, Flags = ["--reload-extra-file"], Meta = "FILES",
            Help = "More files (or glob patterns) whose change triggers a reload.",
            Default = [], DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused,
            Reason = "the reloader watches only *.py files under the app directory and --pythonpath; extra files are not implemented",
        },
        new BoolSetting
        {
            Name = "spew", Section = Section.Debugging, Flags = ["--spew"],
            Help = "Trace every line the server executes.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Status = SettingStatus.Refused,
            Reason = "the server is not Python, so there are no server lines to trace",
            Instead = "Trace the app with sys.settrace in the app itself",
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
