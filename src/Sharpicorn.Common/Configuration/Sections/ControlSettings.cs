namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Control" section: the gunicornc control socket of gunicorn 25.1+.</summary>
internal static class ControlSettings
{
    private const string NoSocket = "sharpicorn has no control socket (gunicornc)";
    private const string Signals = "Control the master with signals (HUP, TTIN, TTOU, USR1, USR2, TERM) as with older gunicorn";

    public static readonly Setting[] All =
    [
        new StringSetting
        {
            Name = "control_socket", Section = Section.Control, Flags = ["--control-socket"], Meta = "PATH",
            Help = "The unix socket path of the control interface.",
            Default = "$XDG_RUNTIME_DIR/gunicorn.ctl", DefaultOrigin = "gunicorn's default",
            DefaultDoc = "$XDG_RUNTIME_DIR/gunicorn.ctl, else $HOME/.gunicorn/gunicorn.ctl",
            DefaultFactory = () => Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } run
                ? Path.Combine(run, "gunicorn.ctl")
                : Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "", ".gunicorn", "gunicorn.ctl"),
            Status = SettingStatus.Refused, Reason = NoSocket, Instead = Signals,
        },
        new IntSetting
        {
            Name = "control_socket_mode", Section = Section.Control, Flags = ["--control-socket-mode"], Meta = "INT",
            Help = "The file mode of the control socket.",
            Default = 384, DefaultOrigin = "gunicorn's default, 0o600", AutoInt = true,
            Status = SettingStatus.Refused, Reason = NoSocket, Instead = Signals,
        },
        new BoolSetting
        {
            Name = "control_socket_disable", Section = Section.Control, Flags = ["--no-control-socket"],
            Help = "Do not open the control socket.",
            Default = false, DefaultOrigin = "gunicorn's default",
            Notes = "Accepted: sharpicorn has no control socket, so it is always disabled.",
        },
    ];
}
