namespace Sharpicorn.Configuration.Sections;

/// <summary>gunicorn's "Server Socket" section.</summary>
internal static class ServerSocketSettings
{
    public static readonly Setting[] All =
    [
        new ListSetting
        {
            Name = "bind", Section = Section.ServerSocket, Flags = ["-b", "--bind"], Meta = "ADDRESS",
            Help = "The socket to bind: HOST, HOST:PORT, [IPv6]:PORT, unix:PATH or fd://FD. Repeatable.",
            Default = ["127.0.0.1:8000"], DefaultOrigin = "gunicorn's default; 0.0.0.0:$PORT when PORT is set, as in gunicorn",
            DefaultDoc = "['127.0.0.1:8000'], or ['0.0.0.0:$PORT'] when PORT is set",
            Set = (s, v) =>
            {
                s.Bind.Clear();
                s.Bind.AddRange(v);
            },
            Get = s => s.Bind,
            Notes = "systemd socket activation (LISTEN_FDS) is honoured.",
        },
        new IntSetting
        {
            Name = "backlog", Section = Section.ServerSocket, Flags = ["--backlog"], Meta = "INT",
            Help = "The maximum number of pending connections.",
            Default = 2048, DefaultOrigin = "gunicorn's default", Min = 1,
            Set = (s, v) => s.Backlog = v, Get = s => s.Backlog,
        },
    ];
}
