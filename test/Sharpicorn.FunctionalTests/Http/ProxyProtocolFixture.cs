using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>
/// Two PROXY servers on wsgi_basic:app, shared by <see cref="ProxyProtocolTests"/>: "auto" with
/// gunicorn's default allow list and an access log; "v1" with an allow list that leaves out
/// 127.0.0.1, listening on TCP and on a unix socket.
/// </summary>
public sealed class ProxyProtocolFixture : IDisposable
{
    public ProxyProtocolFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("sharpicorn-proxy-");
        AccessLog = Path.Combine(Directory.FullName, "access.log");
        UnixSocket = Path.Combine(Directory.FullName, "v1.sock");
        Auto = ServerProcess.Start(["--threads", "4", "--proxy-protocol", "--access-logfile", AccessLog, "--python", Repo.DebianPython, "wsgi_basic:app"]);
        V1 = ServerProcess.Start(["-b", "127.0.0.1:0", "-b", "unix:" + UnixSocket, "--proxy-protocol", "v1", "--proxy-allow-from", "10.0.0.0/8",
            "--python", Repo.DebianPython, "wsgi_basic:app"]);
    }

    public DirectoryInfo Directory { get; }

    public string AccessLog { get; }

    public string UnixSocket { get; }

    public ServerProcess Auto { get; }

    public ServerProcess V1 { get; }

    public void Dispose()
    {
        Auto.Dispose();
        V1.Dispose();
        Directory.Delete(recursive: true);
    }
}
