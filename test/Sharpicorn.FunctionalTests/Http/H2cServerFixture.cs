using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>One gthread server with h2 and h2c prior knowledge (gunicorn 26's http2_cleartext), shared by a test class.</summary>
public sealed class H2cServerFixture : IDisposable
{
    public H2cServerFixture()
    {
        AccessLog = Path.Combine(Path.GetTempPath(), $"sharpicorn-h2-access-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        Server = ServerProcess.Start([
            "--threads", "4", "--http-protocols", "h2,h1", "--http2-cleartext", "prior-knowledge",
            "--access-logfile", AccessLog, "--python", Repo.DebianPython, "h2_app:app",
        ]);
    }

    public ServerProcess Server { get; }

    public string AccessLog { get; }

    public int Port => Server.Port;

    public void Dispose()
    {
        Server.Dispose();
        File.Delete(AccessLog);
    }
}
