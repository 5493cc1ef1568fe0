namespace Sharpicorn.Tests.TestUtilities;

/// <summary>One server on wsgi_basic:app with 4 threads, shared by a test class.</summary>
public sealed class BasicServerFixture : IDisposable
{
    public BasicServerFixture()
    {
        Server = ServerProcess.Start(["--threads", "4", "--python", Repo.DebianPython, "wsgi_basic:app"]);
    }

    public ServerProcess Server { get; }

    public int Port => Server.Port;

    public void Dispose() => Server.Dispose();
}
