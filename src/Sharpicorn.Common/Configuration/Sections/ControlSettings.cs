namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Control" section: the gunicornc control socket of gunicorn 25.1+ (`sharpicorn ctl` is the client).</summary>
internal static class ControlSettings
{
    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "control_socket", Section = Section.Control, Flags = ["--control-socket"], Meta = "PATH",
            Help = "The unix socket path of the control interface.",
            Default = "$XDG_RUNTIME_DIR/gunicorn.ctl", DefaultOrigin = "gunicorn's default",
            DefaultDoc = "$XDG_RUNTIME_DIR/gunicorn.ctl, else $HOME/.gunicorn/gunicorn.ctl",
            DefaultFactory = DefaultPath,
            Set = (s, v) => s.ControlSocket = v ?? DefaultPath(), Get = s => s.ControlSocket,
            Notes = "`sharpicorn ctl` is the client (gunicornc's options and commands). A relative path is taken from the directory sharpicorn started in; a missing parent directory is created (mode 0700), as gunicorn does.",
        },
        new IntSetting
        {
            Name = "control_socket_mode", Section = Section.Control, Flags = ["--control-socket-mode"], Meta = "INT",
            Help = "The file mode of the control socket.",
            Default = 384, DefaultOrigin = "gunicorn's default, 0o600", AutoInt = true,
            Set = (s, v) => s.ControlSocketMode = v, Get = s => s.ControlSocketMode,
        },
        new BoolSetting
        {
            Name = "control_socket_disable", Section = Section.Control, Flags = ["--no-control-socket"],
            Help = "Do not open the control socket.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Set = (s, v) => s.ControlSocketDisable = v ?? false, Get = s => s.ControlSocketDisable,
        },
    ];

    /// <summary>gunicorn's _get_default_control_socket: $XDG_RUNTIME_DIR if it is a directory, else ~/.gunicorn.</summary>
    public static string DefaultPath() =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } run && Directory.Exists(run)
            ? Path.Combine(run, "gunicorn.ctl")
            : Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "", ".gunicorn", "gunicorn.ctl");
}
